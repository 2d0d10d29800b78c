import type { InputErrorCode } from './errors.js';
import type { ModelInputOptions } from './model-input.js';

/** One image to decode to a model input; `bytes` is transferred, not copied. */
export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  options: ModelInputOptions;
}

/** The 784 values of `toModelInput`, an `InputError`'s code and message, or another failure. */
export type DecodeReply =
  | { id: number; ok: true; input: Float32Array }
  | { id: number; ok: false; code: InputErrorCode; message: string }
  | { id: number; ok: false; code?: undefined; message: string };

/** Posted once the worker's modules are loaded and it listens. */
export interface DecodeReady {
  ready: true;
}

import { DEFAULT_MAX_TOTAL_PIXELS } from './image-format.js';

/** How predict's images are decoded (image-decoder.ts); config.ts reads them from the environment. */
export interface ImageDecoderOptions {
  /** Worker threads decoding at once; started when first needed. */
  workers?: number;
  /** How long one image may take to decode and resize before its thread is ended. */
  timeoutMs?: number;
  /**
   * Most pixels (summed over their headers) waiting for or in decoding. A request that would
   * go beyond is refused with `DecoderBusyError`, unless nothing else is waiting.
   */
  maxQueuedPixels?: number;
}

export const DEFAULT_DECODE_WORKERS = 2;
/**
 * The largest images accepted, 4096x4096, decode in 0.6 s (PNG) to 5 s (a 16 MB colour JPEG)
 * on one idle core here; the budget leaves room for a slower or busier machine, where the
 * decoding threads share the cores with everything else.
 */
export const DEFAULT_DECODE_TIMEOUT_MS = 15_000;
/**
 * Two requests at the per-request pixel budget, eight 4096x4096 images: some 5 to 40 s of
 * decoding for two threads.
 */
export const DEFAULT_MAX_QUEUED_PIXELS = 2 * DEFAULT_MAX_TOTAL_PIXELS;

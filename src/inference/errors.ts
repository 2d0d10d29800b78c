export type InputErrorCode =
  | 'IMAGE_NOT_SUPPORTED'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_TOO_COMPLEX'
  | 'IMAGE_CORRUPT'
  | 'INSTANCE_INVALID'
  | 'PIXEL_OUT_OF_RANGE'
  | 'OPTION_INVALID'
  | 'EXPLAIN_LIMIT';

export interface InputErrorOptions {
  /** Where in the request body the problem is, e.g. `instances[3]` or `instances[0][17]`. */
  path?: string;
  cause?: unknown;
}

/**
 * A prediction input the client must fix. `code` is stable for programs (the API answers it
 * by api/error-codes.ts), and the message (prefixed with `path` when there is one) says what
 * was received and what is accepted.
 */
export class InputError extends Error {
  readonly code: InputErrorCode;
  readonly path: string | undefined;
  /** The message without the path prefix. */
  readonly detail: string;

  constructor(code: InputErrorCode, message: string, options: InputErrorOptions = {}) {
    super(options.path === undefined ? message : `${options.path}: ${message}`, {
      cause: options.cause,
    });
    this.name = 'InputError';
    this.code = code;
    this.path = options.path;
    this.detail = message;
  }

  /** The same error located at `path`, for errors raised before the caller knew where it was. */
  at(path: string): InputError {
    return new InputError(this.code, this.detail, { path, cause: this });
  }
}

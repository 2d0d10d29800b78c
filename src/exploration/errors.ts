export type ExplorationErrorCode =
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_TOO_LARGE'
  | 'SPLIT_UNAVAILABLE'
  | 'EXPLORATION_BUSY';

const STATUS: Record<ExplorationErrorCode, number> = {
  IMAGE_NOT_FOUND: 404,
  IMAGE_TOO_LARGE: 400,
  // The request is well-formed; this data set just cannot be split that way.
  SPLIT_UNAVAILABLE: 422,
  // Too many distinct splits are being loaded; the client should retry (see Retry-After).
  EXPLORATION_BUSY: 503,
};

/** A request about a data set's contents that the data cannot answer; the message says why. */
export class ExplorationError extends Error {
  override readonly name = 'ExplorationError';
  readonly code: ExplorationErrorCode;
  readonly statusCode: number;
  /** How long a client should wait before it asks again, where waiting helps. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ExplorationErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.code = code;
    this.statusCode = STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

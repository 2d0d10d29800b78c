export type ExplorationErrorCode =
  | 'IMAGE_NOT_FOUND'
  | 'PICTURE_TOO_LARGE'
  | 'SPLIT_UNAVAILABLE'
  | 'EXPLORATION_BUSY';

/** A request about a data set's contents that the data cannot answer; the message says why. */
export class ExplorationError extends Error {
  override readonly name = 'ExplorationError';
  readonly code: ExplorationErrorCode;
  /** How long a client should wait before it asks again, where waiting helps. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ExplorationErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

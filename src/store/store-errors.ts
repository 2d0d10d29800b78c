export type StoreErrorCode =
  | 'INVALID_ID'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INTEGRITY';

/** HTTP status the central error handler answers with; INTEGRITY is our fault, not the client's. */
const STATUS: Record<StoreErrorCode, number> = {
  INVALID_ID: 400,
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INTEGRITY: 500,
};

/** An error of the artifact store or the model registry; `code` is stable for programmatic use. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly statusCode: number;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.statusCode = STATUS[code];
  }
}

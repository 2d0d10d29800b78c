export type StoreErrorCode =
  | 'INVALID_ID'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INTEGRITY';

/**
 * An error of the artifact store or the model registry; `code` is stable for programmatic use
 * (the API answers it by api/error-codes.ts; INTEGRITY is our fault, not the client's).
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export type ExportErrorCode = 'EXPORT_UNSUPPORTED';

/** HTTP status the central error handler answers with. */
const STATUS: Record<ExportErrorCode, number> = {
  // The model exists but holds something the export format has no stock equivalent for.
  EXPORT_UNSUPPORTED: 422,
};

/** A stored model that cannot be written in the asked format; `code` is stable. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  readonly code: ExportErrorCode;
  readonly statusCode: number;

  constructor(code: ExportErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = STATUS[code];
  }
}

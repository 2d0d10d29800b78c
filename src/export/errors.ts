export type ExportErrorCode = 'EXPORT_UNSUPPORTED';

/** A stored model that cannot be written in the asked format; `code` is stable. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  readonly code: ExportErrorCode;

  constructor(code: ExportErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

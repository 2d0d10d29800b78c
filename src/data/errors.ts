/** Base for errors of the data layer; `code` is stable and meant for programmatic handling. */
export abstract class DataError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

export type DataFormatErrorCode =
  | 'WRONG_MAGIC'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'BAD_GZIP'
  | 'TOO_LARGE'
  | 'LABEL_OUT_OF_RANGE'
  | 'COUNT_MISMATCH'
  | 'EMPTY'
  | 'BAD_HEADER'
  | 'NOT_SQUARE'
  | 'WRONG_COLUMN_COUNT'
  | 'BAD_PIXEL'
  | 'BAD_LABEL';

/** A data file's content is malformed; the message starts with the file's name. */
export class DataFormatError extends DataError<DataFormatErrorCode> {
  readonly file: string;

  constructor(code: DataFormatErrorCode, file: string, detail: string) {
    super(code, `${file}: ${detail}`);
    this.file = file;
  }
}

export type DataSourceErrorCode = 'NOT_FOUND' | 'DOWNLOAD_FAILED' | 'CHECKSUM_MISMATCH';

/** A data set could not be found or fetched. */
export class DataSourceError extends DataError<DataSourceErrorCode> {}

export type DataSplitErrorCode = 'INVALID_OPTION' | 'CLASS_TOO_SMALL' | 'SUBSET_TOO_LARGE';

/** A split or subset was requested that the data cannot satisfy. */
export class DataSplitError extends DataError<DataSplitErrorCode> {}

/** An uploaded data set failed validation; the message names the part and the reader's fault. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly code = 'DATASET_INVALID';
}

/** An uploaded data set holds more than a limit allows; the message names the limit and figure. */
export class DatasetTooLargeError extends Error {
  override readonly name = 'DatasetTooLargeError';
  readonly code = 'DATASET_TOO_LARGE';
}

/** Storing one more data set would exceed a quota; the message names it and how to free room. */
export class DatasetQuotaError extends Error {
  override readonly name = 'DatasetQuotaError';
  readonly code = 'DATASET_QUOTA_EXCEEDED';
}

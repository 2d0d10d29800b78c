/**
 * How much a data file may hold. Readers check declared counts against these before they
 * allocate anything, and stop a (gzipped) stream as soon as it crosses `maxFileBytes`, so a
 * small compressed file cannot make a reader hold gigabytes.
 */
export interface DataLimits {
  /** Bytes one file may hold once gunzipped (its size on disk when it is not compressed). */
  maxFileBytes: number;
  /** Images (or labels) one file may hold. */
  maxImages: number;
  /** Pixels of one image, rows x columns. */
  maxImagePixels: number;
}

const MIB = 1024 * 1024;

/**
 * What an upload may hold. Fashion-MNIST's largest file is 47 MB as IDX and 133 MB as CSV,
 * with 60,000 images of 28x28; these leave room for three times as many, and larger images.
 */
export const UPLOAD_DATA_LIMITS: DataLimits = {
  maxFileBytes: 256 * MIB,
  maxImages: 200_000,
  maxImagePixels: 256 * 256,
};

/**
 * What a reader accepts when it is given no limits: files that were validated on upload or
 * are the built-in set. Only a corrupt header is refused here (IDX sizes are 32-bit counts).
 */
export const READ_DATA_LIMITS: DataLimits = {
  maxFileBytes: 2 ** 31,
  maxImages: Number.MAX_SAFE_INTEGER,
  maxImagePixels: 2 ** 24,
};

/** Images per label and the image size of a file (or pair) checked without keeping its images. */
export interface DataSummary {
  count: number;
  height: number;
  width: number;
  /** Images per label, indexed by label; long enough to index every label present. */
  perClass: number[];
}

const EXCERPT = 40;

/** At most the first 40 characters of `text` (then `…`), for quoting untrusted input in errors. */
export function excerpt(text: string): string {
  return text.length <= EXCERPT ? text : `${text.slice(0, EXCERPT)}…`;
}

/** A byte count for messages: `268,435,456 bytes (256 MiB)`. */
export function describeBytes(bytes: number): string {
  const mib = bytes / MIB;
  const unit = mib >= 1 ? ` (${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB)` : '';
  return `${bytes.toLocaleString('en-US')} bytes${unit}`;
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StoreError } from './store-errors.js';

/** What a file held when it was written: checked again whenever it is read back. */
export interface FileDigest {
  sha256: string;
  size: number;
}

/**
 * Where the stores keep their bytes: named objects under `/`-separated keys, on a local
 * disk or in an S3 bucket. Each object is written whole or not at all; what makes several
 * objects appear together (a model's files, a checkpoint, a data set) is the stores'
 * business: they write a manifest or pointer last and treat files without one as absent.
 * No local path of the disk layout leaves the store.
 */
export interface Blobs {
  /** `file:///abs/dir` or `s3://bucket/prefix`: for logs and `tailor doctor`. */
  readonly location: string;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /**
   * Writes an object. With `ifAbsent`, writes nothing and answers false when the key
   * exists (atomically on a disk and on servers with conditional writes, see s3-blobs.ts).
   */
  put(key: string, body: Uint8Array | string, options?: { ifAbsent?: boolean }): Promise<boolean>;
  /** Moves a local file in (renamed on a disk, uploaded in parts to S3); the file is gone after. */
  putFile(key: string, file: string): Promise<void>;
  /**
   * A local file with the object's bytes, for readers that need one (the data set
   * readers): the object itself on a disk, a verified download in the store's own cache
   * directory on S3. StoreError INTEGRITY when the bytes do not match `expected`.
   */
  localFile(key: string, expected?: FileDigest): Promise<string>;
  exists(key: string): Promise<boolean>;
  /** Every key under the directory `prefix` (all keys without one), sorted. */
  list(prefix?: string): Promise<string[]>;
  /** The names directly under `prefix` that hold objects (a prefix's `ls`), sorted. */
  children(prefix?: string): Promise<string[]>;
  delete(keys: readonly string[]): Promise<void>;
  /** The same store seen from under `prefix`: its keys are relative to it. */
  scope(prefix: string): Blobs;
  /** Releases connections (S3); a disk store has none. */
  close(): void;
}

/**
 * Keys are built by the stores from checked ids and fixed names; this guards the last
 * step anyway. Segments of the id alphabet plus '.', none starting with '.', so a key can
 * never climb out of its root (`..`) nor meet the stores' hidden `.tmp-*` work files.
 */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkKey(key: string, allowEmpty = false): string {
  if (allowEmpty && key === '') return key;
  if (key.split('/').every((segment) => SEGMENT.test(segment))) return key;
  throw new StoreError('INVALID_ARGUMENT', `invalid storage key ${JSON.stringify(key)}`);
}

/** `a` + `b` as one key, either side possibly empty. */
export function joinKey(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}/${b}`;
}

export function integrityError(key: string, found: FileDigest, expected: FileDigest) {
  return new StoreError(
    'INTEGRITY',
    `${key} failed verification: ${found.size} bytes with sha256 ${found.sha256}, expected ${expected.size} bytes with sha256 ${expected.sha256}`,
  );
}

export function sameDigest(a: FileDigest, b: FileDigest): boolean {
  return a.size === b.size && a.sha256 === b.sha256;
}

/** A local file's digest, read as a stream. */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

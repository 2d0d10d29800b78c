import { basename } from 'node:path';
import { ByteBuilder } from './byte-builder.js';
import { DataFormatError, type DataFormatErrorCode } from './errors.js';
import { type DataLimits, type DataSummary, describeBytes, READ_DATA_LIMITS } from './limits.js';
import { openDataChunks } from './open-data-stream.js';
import { type LabelledImageSet, NUM_CLASSES } from './types.js';

interface IdxKind {
  /** 0x0000 (reserved), 0x08 (unsigned byte), number of dimensions. */
  magic: number;
  name: string;
  describe(dims: readonly number[]): string;
  /** What makes the declared dimensions exceed `limits`, if anything. */
  excess(dims: readonly number[], limits: DataLimits): string | undefined;
}

const count = (n: number) => n.toLocaleString('en-US');

const tooMany = (n: number, what: string, limits: DataLimits) =>
  n > limits.maxImages
    ? `declares ${count(n)} ${what}, more than the limit of ${count(limits.maxImages)} per file`
    : undefined;

const IDX_IMAGES: IdxKind = {
  magic: 0x00000803,
  name: 'IDX images',
  describe: ([n = 0, rows, cols]) => `${count(n)} images of ${rows}x${cols}`,
  excess: ([n = 0, rows = 0, cols = 0], limits) =>
    tooMany(n, 'images', limits) ??
    (rows * cols > limits.maxImagePixels
      ? `declares images of ${rows}x${cols} pixels, more than the limit of ${count(limits.maxImagePixels)} pixels per image`
      : undefined),
};

const IDX_LABELS: IdxKind = {
  magic: 0x00000801,
  name: 'IDX labels',
  describe: ([n = 0]) => `${count(n)} labels`,
  excess: ([n = 0], limits) => tooMany(n, 'labels', limits),
};

export interface IdxImages {
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export interface IdxReadOptions {
  /** What a file may hold; default `READ_DATA_LIMITS` (only corrupt headers are refused). */
  limits?: Partial<DataLimits>;
}

export interface IdxLabelOptions extends IdxReadOptions {
  /** Labels must be below this; defaults to the 10 Fashion-MNIST classes. */
  numClasses?: number;
}

export async function readIdxImages(
  path: string,
  options: IdxReadOptions = {},
): Promise<IdxImages> {
  let body: ByteBuilder | undefined;
  const dims = await scanIdx(path, IDX_IMAGES, options.limits, (declared) => {
    body = new ByteBuilder(declared);
    return (bytes) => body?.append(bytes);
  });
  const [n = 0, height = 0, width = 0] = dims;
  return { images: body?.finish() ?? new Uint8Array(0), count: n, height, width };
}

export async function readIdxLabels(
  path: string,
  options: IdxLabelOptions = {},
): Promise<Uint8Array> {
  let body: ByteBuilder | undefined;
  const check = labelCheck(path, options.numClasses);
  await scanIdx(path, IDX_LABELS, options.limits, (declared) => {
    body = new ByteBuilder(declared);
    return (bytes) => {
      check(bytes, body?.length ?? 0);
      body?.append(bytes);
    };
  });
  return body?.finish() ?? new Uint8Array(0);
}

/** Reads an images file and its labels file (each gzipped or not) as one labelled set. */
export async function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: IdxLabelOptions = {},
): Promise<LabelledImageSet> {
  const [images, labels] = await Promise.all([
    readIdxImages(imagesPath, options),
    readIdxLabels(labelsPath, options),
  ]);
  checkPair(imagesPath, images.count, labelsPath, labels.length);
  return { ...images, labels };
}

/**
 * Checks an images file and its labels file as `readIdxPair` does, streaming: only the label
 * counts are kept, so memory stays flat whatever the files hold.
 */
export async function scanIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: IdxLabelOptions = {},
): Promise<DataSummary> {
  const [n = 0, height = 0, width = 0] = await scanIdx(
    imagesPath,
    IDX_IMAGES,
    options.limits,
    () => () => {},
  );
  const perClass: number[] = [];
  const check = labelCheck(labelsPath, options.numClasses);
  let labels = 0;
  await scanIdx(labelsPath, IDX_LABELS, options.limits, () => (bytes) => {
    check(bytes, labels);
    for (const label of bytes) {
      while (perClass.length <= label) perClass.push(0);
      perClass[label] = (perClass[label] as number) + 1;
    }
    labels += bytes.length;
  });
  checkPair(imagesPath, n, labelsPath, labels);
  return { count: n, height, width, perClass };
}

function checkPair(imagesPath: string, images: number, labelsPath: string, labels: number) {
  if (images !== labels) {
    throw new DataFormatError(
      'COUNT_MISMATCH',
      basename(labelsPath),
      `holds ${labels} labels but ${basename(imagesPath)} holds ${images} images`,
    );
  }
}

/** Throws LABEL_OUT_OF_RANGE for the first label of `bytes` (at `offset` in the file) too big. */
function labelCheck(path: string, numClasses: number = NUM_CLASSES) {
  return (bytes: Uint8Array, offset: number) => {
    const bad = bytes.findIndex((label) => label >= numClasses);
    if (bad >= 0) {
      throw new DataFormatError(
        'LABEL_OUT_OF_RANGE',
        basename(path),
        `label ${bytes[bad]} at index ${offset + bad} is out of range 0..${numClasses - 1}`,
      );
    }
  };
}

/** Receives the data bytes after the header, in order. */
type Consume = (bytes: Uint8Array) => void;

/**
 * Streams an IDX file: checks the header's magic and declared sizes against `limits` (and, for
 * an uncompressed file, against its size) before `begin` is called with the declared data
 * length, then passes the data on as it arrives. Returns the declared dimensions.
 */
async function scanIdx(
  path: string,
  kind: IdxKind,
  given: Partial<DataLimits> | undefined,
  begin: (declared: number) => Consume,
): Promise<number[]> {
  const limits = { ...READ_DATA_LIMITS, ...given };
  const file = await openDataChunks(path, limits.maxFileBytes);
  const fail = (code: DataFormatErrorCode, detail: string) =>
    new DataFormatError(code, file.fileName, detail);
  const headerLength = 4 + 4 * (kind.magic & 0xff);
  let header = Buffer.alloc(0);
  const dims: number[] = [];
  let declared = 0;
  let consume: Consume | undefined;
  let received = 0;
  let trailing = 0;

  for await (const chunk of file.chunks) {
    let rest = chunk;
    if (!consume) {
      header = Buffer.concat([header, chunk]);
      if (header.length >= 4 && header.readUInt32BE(0) !== kind.magic) {
        throw fail(
          'WRONG_MAGIC',
          `wrong magic number ${hex(header.readUInt32BE(0))}, expected ${hex(kind.magic)} (${kind.name})`,
        );
      }
      if (header.length < headerLength) continue;
      for (let offset = 4; offset < headerLength; offset += 4)
        dims.push(header.readUInt32BE(offset));
      declared = dims.reduce((product, dim) => product * dim, 1);
      const excess = kind.excess(dims, limits);
      if (excess) throw fail('TOO_LARGE', `header ${excess}`);
      if (headerLength + declared > limits.maxFileBytes) {
        throw fail(
          'TOO_LARGE',
          `header declares ${kind.describe(dims)} (${describeBytes(declared)}), more than the limit of ${describeBytes(limits.maxFileBytes)} per file`,
        );
      }
      if (!file.gzipped) checkSize(file.sizeOnDisk - headerLength);
      consume = begin(declared);
      rest = header.subarray(headerLength);
    }
    const room = declared - received;
    if (rest.length > room) {
      trailing += rest.length - room;
      rest = rest.subarray(0, room);
    }
    consume(rest);
    received += rest.length;
  }

  if (!consume) {
    throw fail(
      'TRUNCATED',
      `file holds only ${header.length} bytes, less than the ${headerLength}-byte ${kind.name} header`,
    );
  }
  checkSize(received + trailing);
  return dims;

  /** The data must be exactly what the header declares. */
  function checkSize(present: number) {
    if (present < declared) {
      throw fail(
        'TRUNCATED',
        `header declares ${kind.describe(dims)} (${declared} bytes) but only ${present} follow the header (truncated file)`,
      );
    }
    if (present > declared) {
      throw fail(
        'TRAILING_BYTES',
        `${present - declared} trailing bytes after the ${kind.describe(dims)} the header declares`,
      );
    }
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

import { basename } from 'node:path';
import { ByteBuilder } from './byte-builder.js';
import { DataFormatError, type DataFormatErrorCode } from './errors.js';
import { explainStreamError, openDataStream } from './open-data-stream.js';
import { type LabelledImageSet, NUM_CLASSES } from './types.js';

/** Larger payloads are rejected: no real IDX data set comes close, a corrupt header might. */
const MAX_PAYLOAD_BYTES = 2 ** 31;

interface IdxKind {
  /** 0x0000 (reserved), 0x08 (unsigned byte), number of dimensions. */
  magic: number;
  name: string;
  describe(dims: readonly number[]): string;
}

const IDX_IMAGES: IdxKind = {
  magic: 0x00000803,
  name: 'IDX images',
  describe: ([count, rows, cols]) => `${count} images of ${rows}x${cols}`,
};

const IDX_LABELS: IdxKind = {
  magic: 0x00000801,
  name: 'IDX labels',
  describe: ([count]) => `${count} labels`,
};

export interface IdxImages {
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export interface IdxLabelOptions {
  /** Labels must be below this; defaults to the 10 Fashion-MNIST classes. */
  numClasses?: number;
}

export async function readIdxImages(path: string): Promise<IdxImages> {
  const { dims, data } = await readIdx(path, IDX_IMAGES);
  const [count = 0, height = 0, width = 0] = dims;
  return { images: data, count, height, width };
}

export async function readIdxLabels(
  path: string,
  options: IdxLabelOptions = {},
): Promise<Uint8Array> {
  const { numClasses = NUM_CLASSES } = options;
  const { data } = await readIdx(path, IDX_LABELS);
  const bad = data.findIndex((label) => label >= numClasses);
  if (bad >= 0) {
    throw new DataFormatError(
      'LABEL_OUT_OF_RANGE',
      basename(path),
      `label ${data[bad]} at index ${bad} is out of range 0..${numClasses - 1}`,
    );
  }
  return data;
}

/** Reads an images file and its labels file (each gzipped or not) as one labelled set. */
export async function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: IdxLabelOptions = {},
): Promise<LabelledImageSet> {
  const [images, labels] = await Promise.all([
    readIdxImages(imagesPath),
    readIdxLabels(labelsPath, options),
  ]);
  if (images.count !== labels.length) {
    throw new DataFormatError(
      'COUNT_MISMATCH',
      basename(labelsPath),
      `holds ${labels.length} labels but ${basename(imagesPath)} holds ${images.count} images`,
    );
  }
  return { ...images, labels };
}

async function readIdx(path: string, kind: IdxKind): Promise<{ dims: number[]; data: Uint8Array }> {
  const fileName = basename(path);
  const stream = await openDataStream(path);
  try {
    return await parseIdx(stream, fileName, kind);
  } catch (error) {
    throw explainStreamError(error, fileName);
  }
}

async function parseIdx(
  chunks: AsyncIterable<Buffer>,
  fileName: string,
  kind: IdxKind,
): Promise<{ dims: number[]; data: Uint8Array }> {
  const fail = (code: DataFormatErrorCode, detail: string) =>
    new DataFormatError(code, fileName, detail);
  const headerLength = 4 + 4 * (kind.magic & 0xff);
  let header = Buffer.alloc(0);
  const dims: number[] = [];
  let declared = 0;
  let body: ByteBuilder | undefined;
  let trailing = 0;

  for await (const chunk of chunks) {
    let rest = chunk;
    if (!body) {
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
      if (declared > MAX_PAYLOAD_BYTES) {
        throw fail('TOO_LARGE', `header declares ${kind.describe(dims)}, more than 2 GiB of data`);
      }
      body = new ByteBuilder(declared);
      rest = header.subarray(headerLength);
    }
    const room = declared - body.length;
    if (rest.length > room) {
      trailing += rest.length - room;
      rest = rest.subarray(0, room);
    }
    body.append(rest);
  }

  if (!body) {
    throw fail(
      'TRUNCATED',
      `file holds only ${header.length} bytes, less than the ${headerLength}-byte ${kind.name} header`,
    );
  }
  if (body.length < declared) {
    throw fail(
      'TRUNCATED',
      `header declares ${kind.describe(dims)} (${declared} bytes) but only ${body.length} follow the header (truncated file)`,
    );
  }
  if (trailing > 0) {
    throw fail(
      'TRAILING_BYTES',
      `${trailing} trailing bytes after the ${kind.describe(dims)} the header declares`,
    );
  }
  return { dims, data: body.finish() };
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

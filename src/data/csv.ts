import { basename } from 'node:path';
import { ByteBuilder } from './byte-builder.js';
import { DataFormatError, type DataFormatErrorCode } from './errors.js';
import { type DataLimits, type DataSummary, excerpt, READ_DATA_LIMITS } from './limits.js';
import { splitLines } from './lines.js';
import { openDataChunks } from './open-data-stream.js';
import { type LabelledImageSet, NUM_CLASSES } from './types.js';

const COMMA = 0x2c;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const NOT_A_NUMBER = Number.POSITIVE_INFINITY;

export interface CsvOptions {
  /** Labels must be below this; defaults to the 10 Fashion-MNIST classes. */
  numClasses?: number;
  /** What a file may hold; default `READ_DATA_LIMITS` (only corrupt headers are refused). */
  limits?: Partial<DataLimits>;
}

/**
 * Reads the Kaggle Fashion-MNIST CSV layout, gzipped or not: a header `label,pixel1,...,pixelN`
 * and one row per image. N must be a square; images are sqrt(N) x sqrt(N).
 */
export async function readFashionCsv(
  path: string,
  options: CsvOptions = {},
): Promise<LabelledImageSet> {
  const labels = new ByteBuilder();
  const images = new ByteBuilder();
  const side = await scanCsv(
    path,
    options,
    (pixels) => images.reserve(pixels),
    (label) => {
      labels.reserve(1)[0] = label;
    },
  );
  return {
    images: images.finish(),
    labels: labels.finish(),
    count: labels.length,
    height: side,
    width: side,
  };
}

/**
 * Checks a file as `readFashionCsv` does, keeping only the counts per label: memory stays at
 * one row whatever the file holds.
 */
export async function scanFashionCsv(path: string, options: CsvOptions = {}): Promise<DataSummary> {
  let row: Uint8Array | undefined;
  const perClass: number[] = [];
  let count = 0;
  const side = await scanCsv(
    path,
    options,
    (pixels) => {
      if (row?.length !== pixels) row = new Uint8Array(pixels);
      return row;
    },
    (label) => {
      while (perClass.length <= label) perClass.push(0);
      perClass[label] = (perClass[label] as number) + 1;
      count++;
    },
  );
  return { count, height: side, width: side, perClass };
}

/**
 * Streams the file line by line: each row is parsed into the buffer `target` gives, and its
 * label passed to `onRow`. Lines are never longer than the header allows, and the file never
 * larger than the limits, so an endless line or a gzip bomb stops early. Returns the side.
 */
async function scanCsv(
  path: string,
  options: CsvOptions,
  target: (pixels: number) => Uint8Array,
  onRow: (label: number) => void,
): Promise<number> {
  const { numClasses = NUM_CLASSES } = options;
  const limits = { ...READ_DATA_LIMITS, ...options.limits };
  const fileName = basename(path);
  const file = await openDataChunks(path, limits.maxFileBytes);
  let side = 0;
  let lineNumber = 0;
  let images = 0;
  const fail = (code: DataFormatErrorCode, detail: string) =>
    new DataFormatError(code, fileName, `line ${lineNumber}: ${detail}`);
  const maxHeader = headerLength(limits.maxImagePixels);
  // A row is a label and N pixels of at most 3 digits each, separated by commas.
  const maxLine = () => (lineNumber === 0 ? maxHeader : 4 * (side * side + 1));
  const tooLong = () => {
    lineNumber++;
    return lineNumber === 1
      ? fail(
          'TOO_LARGE',
          `the header is longer than ${maxHeader.toLocaleString('en-US')} bytes, the most a header of up to ${limits.maxImagePixels.toLocaleString('en-US')} pixel columns (the limit of pixels per image) takes`,
        )
      : fail(
          'WRONG_COLUMN_COUNT',
          `the row is longer than ${maxLine().toLocaleString('en-US')} bytes, the most a row of label + ${(side * side).toLocaleString('en-US')} pixels takes`,
        );
  };
  for await (const line of splitLines(file.chunks, maxLine, tooLong)) {
    lineNumber++;
    if (lineNumber === 1) {
      side = parseHeader(line.replace(/^\uFEFF/, ''), fail);
      continue;
    }
    if (line.length === 0) continue;
    if (++images > limits.maxImages) {
      throw fail(
        'TOO_LARGE',
        `more than ${limits.maxImages.toLocaleString('en-US')} rows, the limit of images per file`,
      );
    }
    onRow(parseRow(line, target(side * side), numClasses, fail));
  }
  if (lineNumber === 0)
    throw new DataFormatError('EMPTY', fileName, 'file is empty, expected a header line');
  return side;
}

/** Bytes of the header `label,pixel1,...,pixelN` for N = `pixels`, plus a byte-order mark. */
function headerLength(pixels: number): number {
  let length = 'label'.length + 3;
  for (let digits = 1, from = 1; from <= pixels; digits++, from *= 10) {
    const upTo = Math.min(pixels, from * 10 - 1);
    length += (upTo - from + 1) * (',pixel'.length + digits);
  }
  return length;
}

type Fail = (code: DataFormatErrorCode, detail: string) => DataFormatError;

/**
 * Checks the header and returns the image side length. The pixel limit needs no check here:
 * a header of more columns is longer than the line limit lets through.
 */
function parseHeader(line: string, fail: Fail): number {
  const columns = line.split(',');
  const bad = columns.findIndex((name, i) => name.trim() !== (i === 0 ? 'label' : `pixel${i}`));
  if (bad >= 0 || columns.length < 2) {
    const found =
      bad >= 0 ? `column ${bad + 1} is "${excerpt(columns[bad] ?? '')}"` : 'no pixel columns';
    throw fail('BAD_HEADER', `bad header: expected "label,pixel1,pixel2,...", but ${found}`);
  }
  const pixels = columns.length - 1;
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) {
    throw fail('NOT_SQUARE', `header has ${pixels} pixel columns, which is not a square number`);
  }
  return side;
}

/**
 * Parses one row into `image` in a single pass over its characters: splitting into 785
 * strings per row would dominate the time. Fields are validated as they end, so the first bad
 * field reports; it is quoted by its first characters only. Returns the label.
 */
function parseRow(line: string, image: Uint8Array, numClasses: number, fail: Fail): number {
  const pixels = image.length;
  const length = line.length;
  let label = 0;
  let column = 0;
  let start = 0;
  let value = 0;
  // Digits in the current field; NOT_A_NUMBER once it holds anything else.
  let digits = 0;
  for (let i = 0; i <= length; i++) {
    const code = i < length ? line.charCodeAt(i) : COMMA;
    if (code >= DIGIT_0 && code <= DIGIT_9) {
      value = value * 10 + code - DIGIT_0;
      digits++;
    } else if (code !== COMMA) {
      digits = NOT_A_NUMBER;
    } else {
      const valid = digits > 0 && digits <= 3 && value <= 255;
      if (column === 0) {
        if (!valid || value >= numClasses) {
          throw fail(
            'BAD_LABEL',
            `label "${excerpt(line.slice(start, i))}" is not an integer in 0..${numClasses - 1}`,
          );
        }
        label = value;
      } else if (column <= pixels) {
        if (!valid) {
          throw fail(
            'BAD_PIXEL',
            `pixel${column} is "${excerpt(line.slice(start, i))}", expected an integer in 0..255`,
          );
        }
        image[column - 1] = value;
      }
      column++;
      start = i + 1;
      value = 0;
      digits = 0;
    }
  }
  if (column !== pixels + 1) {
    throw fail(
      'WRONG_COLUMN_COUNT',
      `expected ${pixels + 1} columns (label + ${pixels} pixels), found ${column}`,
    );
  }
  return label;
}

import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { ByteBuilder } from './byte-builder.js';
import { DataFormatError, type DataFormatErrorCode } from './errors.js';
import { explainStreamError, openDataStream } from './open-data-stream.js';
import { type LabelledImageSet, NUM_CLASSES } from './types.js';

const COMMA = 0x2c;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const NOT_A_NUMBER = Number.POSITIVE_INFINITY;

export interface CsvOptions {
  /** Labels must be below this; defaults to the 10 Fashion-MNIST classes. */
  numClasses?: number;
}

/**
 * Reads the Kaggle Fashion-MNIST CSV layout, gzipped or not: a header `label,pixel1,...,pixelN`
 * and one row per image. N must be a square; images are sqrt(N) x sqrt(N).
 */
export async function readFashionCsv(
  path: string,
  options: CsvOptions = {},
): Promise<LabelledImageSet> {
  const { numClasses = NUM_CLASSES } = options;
  const fileName = basename(path);
  const input = await openDataStream(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const labels = new ByteBuilder();
  const images = new ByteBuilder();
  let side = 0;
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      const fail = (code: DataFormatErrorCode, detail: string) =>
        new DataFormatError(code, fileName, `line ${lineNumber}: ${detail}`);
      if (lineNumber === 1) {
        side = parseHeader(line.replace(/^\uFEFF/, ''), fail);
        continue;
      }
      if (line.length === 0) continue;
      parseRow(line, side * side, numClasses, labels, images, fail);
    }
  } catch (error) {
    throw explainStreamError(error, fileName);
  } finally {
    // Closing readline leaves its input open; an early error would otherwise leak the file.
    lines.close();
    input.destroy();
  }
  if (lineNumber === 0)
    throw new DataFormatError('EMPTY', fileName, 'file is empty, expected a header line');
  return {
    images: images.finish(),
    labels: labels.finish(),
    count: labels.length,
    height: side,
    width: side,
  };
}

type Fail = (code: DataFormatErrorCode, detail: string) => DataFormatError;

/** Checks the header and returns the image side length. */
function parseHeader(line: string, fail: Fail): number {
  const columns = line.split(',');
  const bad = columns.findIndex((name, i) => name.trim() !== (i === 0 ? 'label' : `pixel${i}`));
  if (bad >= 0 || columns.length < 2) {
    const found = bad >= 0 ? `column ${bad + 1} is "${columns[bad]}"` : 'no pixel columns';
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
 * Parses one row in a single pass over its characters: splitting into 785 strings per row
 * would dominate the time. Fields are validated as they end, so the first bad field reports.
 */
function parseRow(
  line: string,
  pixels: number,
  numClasses: number,
  labels: ByteBuilder,
  images: ByteBuilder,
  fail: Fail,
): void {
  const image = images.reserve(pixels);
  const length = line.length;
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
            `label "${line.slice(start, i)}" is not an integer in 0..${numClasses - 1}`,
          );
        }
        labels.reserve(1)[0] = value;
      } else if (column <= pixels) {
        if (!valid) {
          throw fail(
            'BAD_PIXEL',
            `pixel${column} is "${line.slice(start, i)}", expected an integer in 0..255`,
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
}

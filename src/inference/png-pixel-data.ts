import { constants, inflateSync } from 'node:zlib';
import { InputError } from './errors.js';

/** Samples per pixel by PNG colour type: grey, RGB, palette index, grey + alpha, RGBA. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7 passes: x start, y start, x step, y step. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Checks that the chunks are whole and that the compressed pixel data inflates to exactly the
 * size the header implies. pngjs checks neither: given too little data it unfilters whatever
 * memory follows, so a corrupt file would yield a random image, not an error.
 * Expects a PNG whose IHDR `readImageHeader` has already accepted.
 */
export function assertPngPixelDataComplete(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24] ?? 0;
  const channels = CHANNELS[bytes[25] ?? -1];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(depth)) {
    throw new InputError(
      'IMAGE_CORRUPT',
      'PNG header declares an invalid colour type or bit depth',
    );
  }
  const bitsPerPixel = channels * depth;
  const expected =
    bytes[28] === 1
      ? interlacedSize(width, height, bitsPerPixel)
      : scanlinesSize(width, height, bitsPerPixel);
  const compressed = collectImageData(bytes, view);
  const size = `the ${expected} bytes a ${width}x${height} image needs`;
  let inflated: Buffer;
  try {
    // SYNC_FLUSH returns what a cut-off stream holds instead of throwing, so it can be measured.
    inflated = inflateSync(compressed, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: expected + 1,
    });
  } catch (error) {
    // pngjs fails on surplus data too, with a message about a short read; say what it is.
    const message =
      error instanceof RangeError
        ? `PNG pixel data is longer than ${size}`
        : 'PNG pixel data is not valid zlib data';
    throw new InputError('IMAGE_CORRUPT', message, { cause: error });
  }
  if (inflated.length !== expected) {
    const problem =
      inflated.length < expected ? `ends early: ${inflated.length} of` : 'is longer than';
    throw new InputError('IMAGE_CORRUPT', `PNG pixel data ${problem} ${size}`);
  }
}

function collectImageData(bytes: Uint8Array, view: DataView): Buffer {
  const parts: Uint8Array[] = [];
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 12 + length;
    if (end > bytes.length) {
      throw new InputError(
        'IMAGE_CORRUPT',
        `PNG is truncated: its ${type} chunk ends past the end of the data`,
      );
    }
    if (type === 'IDAT') parts.push(bytes.subarray(offset + 8, end - 4));
    if (type === 'IEND') break;
    offset = end;
  }
  if (parts.length === 0) throw new InputError('IMAGE_CORRUPT', 'PNG holds no pixel data (IDAT)');
  return Buffer.concat(parts);
}

/** Each row is a filter-type byte followed by the packed samples. */
function scanlinesSize(width: number, height: number, bitsPerPixel: number): number {
  if (width === 0 || height === 0) return 0;
  return (Math.ceil((width * bitsPerPixel) / 8) + 1) * height;
}

function interlacedSize(width: number, height: number, bitsPerPixel: number): number {
  return ADAM7.reduce((total, [x0, y0, dx, dy]) => {
    const passWidth = Math.max(0, Math.ceil((width - x0) / dx));
    const passHeight = Math.max(0, Math.ceil((height - y0) / dy));
    return total + scanlinesSize(passWidth, passHeight, bitsPerPixel);
  }, 0);
}

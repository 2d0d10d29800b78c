import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InputError } from './errors.js';
import { DEFAULT_MAX_PIXELS, type ImageLimits, readImageHeader } from './image-format.js';
import { assertPngPixelDataComplete } from './png-pixel-data.js';

/** A single-channel image, row-major, values in [0, 255]. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * jpeg-js counts its own allocations per pixel and component: 4 bytes of coefficients, 1 of
 * sample lines and 1 of colour-converted output, then 4 for the RGBA copy; 4 x 6 + 4 = 28 covers
 * a 4-component (CMYK) image. The budget thus only stops images beyond `maxPixels`, which the
 * header check refuses first; the JS heap holds somewhat more (one small array per 8x8 block).
 */
const JPEG_BYTES_PER_PIXEL = 28;
const JPEG_BASE_MEMORY_MB = 16;

/**
 * Decodes a PNG or JPEG (detected from its content) to grayscale. The header is checked
 * against `limits` (size, sides, JPEG scans) before the decoder runs.
 */
export function decodeImage(bytes: Uint8Array, limits: ImageLimits = {}): GrayImage {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = readImageHeader(bytes, limits);
  const rgba = header.format === 'png' ? decodePng(bytes) : decodeJpeg(bytes, maxPixels);
  if (rgba.width !== header.width || rgba.height !== header.height) {
    throw new InputError(
      'IMAGE_CORRUPT',
      `image header says ${header.width}x${header.height} but it decodes to ${rgba.width}x${rgba.height}`,
    );
  }
  return { width: rgba.width, height: rgba.height, pixels: rgbaToGray(rgba.data) };
}

/**
 * ITU-R BT.601 luma, with alpha composited over black: Fashion-MNIST garments are light on a
 * black background, so transparent areas become background rather than a light backdrop.
 */
export function rgbaToGray(rgba: Uint8Array): Float32Array {
  const gray = new Float32Array(rgba.length / 4);
  for (let i = 0, j = 0; i < gray.length; i++, j += 4) {
    const r = rgba[j] ?? 0;
    const g = rgba[j + 1] ?? 0;
    const b = rgba[j + 2] ?? 0;
    const alpha = rgba[j + 3] ?? 0;
    // Grey pixels skip the weighted sum, whose rounding would move them off their exact value.
    const luma = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    gray[i] = alpha === 255 ? luma : (luma * alpha) / 255;
  }
  return gray;
}

function decodePng(bytes: Uint8Array): RgbaImage {
  assertPngPixelDataComplete(bytes);
  try {
    // pngjs expands palette, grey and 16-bit images to 8-bit RGBA.
    const png = PNG.sync.read(toBuffer(bytes));
    return { width: png.width, height: png.height, data: png.data };
  } catch (error) {
    throw corrupt('PNG', error);
  }
}

function decodeJpeg(bytes: Uint8Array, maxPixels: number): RgbaImage {
  try {
    return jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      // Tolerant decoding would pad a truncated scan with grey instead of failing.
      tolerantDecoding: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB:
        Math.ceil((maxPixels * JPEG_BYTES_PER_PIXEL) / 2 ** 20) + JPEG_BASE_MEMORY_MB,
    });
  } catch (error) {
    throw corrupt('JPEG', error);
  }
}

function corrupt(format: string, error: unknown): InputError {
  const reason = error instanceof Error ? error.message : String(error);
  // pngjs reports a body that ends early this way.
  const detail = reason.includes('read requests') ? 'the data ends before the image does' : reason;
  return new InputError('IMAGE_CORRUPT', `${format} is truncated or corrupt (${detail})`, {
    cause: error,
  });
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

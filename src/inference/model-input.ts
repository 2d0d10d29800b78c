import { decodeImage } from './decode.js';
import { InputError } from './errors.js';
import {
  assertTotalPixels,
  type ImageHeader,
  type ImageLimits,
  readImageHeader,
} from './image-format.js';
import { applyPolarity, type InvertOption } from './polarity.js';
import { fitToSquare, MODEL_IMAGE_SIZE } from './resize.js';

export interface ModelInputOptions extends ImageLimits {
  /** Defaults to `'auto'`: uploaded images are often dark-on-light photos or scans. */
  invert?: InvertOption;
}

/** 784 values (28x28, row-major) in [0, 1], light object on black, as the model was trained. */
export const MODEL_INPUT_LENGTH = MODEL_IMAGE_SIZE * MODEL_IMAGE_SIZE;

/**
 * A PNG or JPEG of any size to the model's input. Polarity is decided and applied on the
 * decoded image before resizing, so the black padding added around a non-square image is
 * never inverted into a white frame.
 */
export function toModelInput(bytes: Uint8Array, options: ModelInputOptions = {}): Float32Array {
  const gray = decodeImage(bytes, options);
  const oriented = applyPolarity(gray, options.invert ?? 'auto', 255);
  const square = fitToSquare(oriented);
  return square.map((value) => Math.min(1, Math.max(0, value / 255)));
}

/**
 * The images of one request, in order. Every header is read and the request's pixel total
 * checked before the first image is decoded, so a request over the budget costs no decoding.
 * Errors are located at `pathOf(index)`, e.g. `files[2]`. Decodes on the calling thread: the
 * API uses an `ImageDecoder`, which does the same in worker threads.
 */
export function toModelInputs(
  images: readonly Uint8Array[],
  options: ModelInputOptions,
  pathOf: (index: number) => string,
): Float32Array[] {
  readImageHeaders(images, options, pathOf);
  return images.map((bytes, i) => locatedAt(pathOf(i), () => toModelInput(bytes, options)));
}

/**
 * Every image's header, checked against the per-image limits and together against the
 * request's pixel budget; no pixel is decoded. Errors are located at `pathOf(index)`.
 */
export function readImageHeaders(
  images: readonly Uint8Array[],
  limits: ImageLimits,
  pathOf: (index: number) => string,
): ImageHeader[] {
  const headers = images.map((bytes, i) =>
    locatedAt(pathOf(i), () => readImageHeader(bytes, limits)),
  );
  assertTotalPixels(headers, limits);
  return headers;
}

function locatedAt<T>(path: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw error instanceof InputError ? error.at(path) : error;
  }
}

import { decodeBase64, refuseUrl } from './base64.js';
import { InputError } from './errors.js';
import type { ImageDecoder } from './image-decoder.js';
import type { ImageLimits } from './image-format.js';
import { MODEL_INPUT_LENGTH, type ModelInputOptions, toModelInputs } from './model-input.js';
import { applyPolarity, type InvertOption } from './polarity.js';
import { MODEL_IMAGE_SIZE } from './resize.js';

export interface InstanceLimits extends ImageLimits {
  /** Most instances one request may hold. */
  maxInstances?: number;
}

export const DEFAULT_MAX_INSTANCES = 256;

const SIZE = MODEL_IMAGE_SIZE;
const EXPECTED = `${MODEL_INPUT_LENGTH} numbers (a flattened ${SIZE}x${SIZE} image), ${SIZE} rows of ${SIZE} numbers, or {"b64": "<base64 PNG or JPEG>"}`;

/**
 * Parses a TF-Serving-style body `{ "instances": [...], "invert"?: "auto" | true | false }` into
 * model inputs: one Float32Array of 784 values in [0, 1] per instance.
 *
 * An instance is 784 numbers, 28 rows of 28 numbers (or of `[number]`, Keras' 28x28x1), or
 * `{ "b64": "..." }` holding a PNG or JPEG. Numbers may be in [0, 1] or [0, 255], decided per
 * instance: any value above 1 means [0, 255]. (So a [0, 255] image whose pixels are all 0 or 1
 * reads as [0, 1]; such an image is black either way to the eye.)
 *
 * `invert` applies to every instance. Without it, numeric instances are kept as they are
 * (assumed to be Fashion-MNIST-like already, e.g. taken from the data set) and images use
 * `'auto'`, since uploaded photos and scans are usually dark on a light background.
 *
 * Other body fields are not checked here; the route's schema owns the body's shape.
 */
export function parseInstances(body: unknown, limits: InstanceLimits = {}): Float32Array[] {
  const parsed = readInstances(body, limits);
  return parsed.complete(toModelInputs(parsed.images, parsed.imageOptions, parsed.pathOf));
}

/**
 * `parseInstances` with the images decoded by `decoder`'s worker threads, off the event loop;
 * numeric instances are parsed here, since they need no decoding.
 */
export async function decodeInstances(
  body: unknown,
  decoder: ImageDecoder,
  limits: InstanceLimits = {},
): Promise<Float32Array[]> {
  const parsed = readInstances(body, limits);
  if (parsed.images.length === 0) return parsed.complete([]);
  return parsed.complete(
    await decoder.toModelInputs(parsed.images, parsed.imageOptions, parsed.pathOf),
  );
}

/** A body's numeric instances parsed, and its images found but not yet decoded. */
interface ReadInstances {
  images: Uint8Array[];
  imageOptions: ModelInputOptions;
  /** Where image `k` sits in the body, e.g. `instances[3]`. */
  pathOf(k: number): string;
  /** Every instance in order, given the images' model inputs. */
  complete(decoded: Float32Array[]): Float32Array[];
}

function readInstances(body: unknown, limits: InstanceLimits): ReadInstances {
  if (!isRecord(body)) {
    throw new InputError(
      'INSTANCE_INVALID',
      `request body is ${describe(body)}; expected a JSON object like {"instances": [...]}`,
    );
  }
  const invert = parseInvertOption(body.invert);
  const instances = body.instances;
  const maxInstances = limits.maxInstances ?? DEFAULT_MAX_INSTANCES;
  if (!Array.isArray(instances)) {
    throw new InputError(
      'INSTANCE_INVALID',
      `is ${instances === undefined ? 'missing' : describe(instances)}; expected an array of 1 to ${maxInstances} instances, each ${EXPECTED}`,
      { path: 'instances' },
    );
  }
  if (instances.length === 0 || instances.length > maxInstances) {
    throw new InputError(
      'INSTANCE_INVALID',
      `holds ${instances.length} instances; send 1 to ${maxInstances} per request`,
      { path: 'instances' },
    );
  }
  // Numeric instances are parsed at once; images are decoded together at the end, after
  // their headers have been checked against the request's pixel budget.
  const images: Uint8Array[] = [];
  const imageIndex: number[] = [];
  const inputs = instances.map((instance, index) => {
    const path = `instances[${index}]`;
    if (Array.isArray(instance)) return parseNumeric(instance, path, invert ?? false);
    images.push(imageBytes(instance, path));
    imageIndex.push(index);
    return undefined;
  });
  const { maxInstances: _, ...imageLimits } = limits;
  return {
    images,
    imageOptions: { ...imageLimits, invert: invert ?? 'auto' },
    pathOf: (k) => `instances[${imageIndex[k]}]`,
    complete(decoded) {
      imageIndex.forEach((index, k) => {
        inputs[index] = decoded[k];
      });
      return inputs as Float32Array[];
    },
  };
}

/** `invert` as sent by a client; `undefined` when absent, so each kind of instance picks its default. */
export function parseInvertOption(value: unknown): InvertOption | undefined {
  if (value === undefined || value === 'auto' || typeof value === 'boolean') return value;
  throw new InputError('OPTION_INVALID', `is ${describe(value)}; expected "auto", true or false`, {
    path: 'invert',
  });
}

/** The bytes of an image instance `{"b64": "..."}`; anything else that is not numeric is refused. */
function imageBytes(instance: unknown, path: string): Uint8Array {
  if (!isRecord(instance)) {
    if (typeof instance === 'string') refuseUrl(instance, path);
    throw new InputError('INSTANCE_INVALID', `is ${describe(instance)}; expected ${EXPECTED}`, {
      path,
    });
  }
  const keys = Object.keys(instance);
  if (keys.length !== 1 || typeof instance.b64 !== 'string') {
    throw new InputError(
      'INSTANCE_INVALID',
      `is an object with ${keys.length === 0 ? 'no keys' : `keys ${listKeys(keys)}`}; an image instance is {"b64": "<base64 PNG or JPEG>"}`,
      { path },
    );
  }
  return decodeBase64(instance.b64, `${path}.b64`);
}

function parseNumeric(instance: unknown[], path: string, invert: InvertOption): Float32Array {
  const pixels = readPixels(instance, path);
  const scale = pixelScale(pixels);
  // Inverting before scaling gives (255 - v) / 255 exactly, as for an inverted image.
  const image = applyPolarity({ width: SIZE, height: SIZE, pixels }, invert, scale);
  return image.pixels.map((value) => value / scale);
}

/**
 * What a numeric instance's values are divided by: 255 when any is above 1 (the instance is in
 * [0, 255]), else 1. Every route that takes numbers applies this same rule.
 */
export function pixelScale(pixels: Float32Array): number {
  return pixels.some((value) => value > 1) ? 255 : 1;
}

/** 784 validated values in [0, 255], from either the flat or the nested layout. */
function readPixels(instance: unknown[], path: string): Float32Array {
  const pixels = new Float32Array(MODEL_INPUT_LENGTH);
  if (instance.length === MODEL_INPUT_LENGTH) {
    instance.forEach((value, k) => {
      const at = `row ${Math.floor(k / SIZE)}, column ${k % SIZE}`;
      pixels[k] = readPixel(value, `${path}[${k}]`, at);
    });
    return pixels;
  }
  if (!Array.isArray(instance[0])) {
    throw new InputError(
      'INSTANCE_INVALID',
      `has ${instance.length} values; expected ${EXPECTED}`,
      { path },
    );
  }
  if (instance.length !== SIZE) {
    throw new InputError(
      'INSTANCE_INVALID',
      `has ${instance.length} rows; expected ${SIZE} rows of ${SIZE} numbers`,
      { path },
    );
  }
  instance.forEach((row, r) => {
    const rowPath = `${path}[${r}]`;
    if (!Array.isArray(row) || row.length !== SIZE) {
      const got = Array.isArray(row) ? `${row.length} values` : describe(row);
      throw new InputError('INSTANCE_INVALID', `has ${got}; expected a row of ${SIZE} numbers`, {
        path: rowPath,
      });
    }
    row.forEach((cell, c) => {
      // Keras' [28, 28, 1] input shape gives each pixel as a one-element array.
      const value = Array.isArray(cell) && cell.length === 1 ? cell[0] : cell;
      pixels[r * SIZE + c] = readPixel(value, `${rowPath}[${c}]`, `row ${r}, column ${c}`);
    });
  });
  return pixels;
}

function readPixel(value: unknown, path: string, position: string): number {
  if (typeof value !== 'number') {
    throw new InputError(
      'INSTANCE_INVALID',
      `is ${describe(value)} (${position}); pixels must be numbers`,
      { path },
    );
  }
  if (!(value >= 0 && value <= 255)) {
    throw new InputError(
      'PIXEL_OUT_OF_RANGE',
      `pixel value ${value} (${position}) is outside [0, 255]; send values in [0, 1] or in [0, 255]`,
      { path },
    );
  }
  return value;
}

/** A few keys, each shortened: the message must not grow with what a client sends. */
function listKeys(keys: string[]): string {
  const shown = keys.slice(0, 5).map((key) => (key.length > 20 ? `${key.slice(0, 20)}...` : key));
  return keys.length > 5 ? `${shown.join(', ')} (and ${keys.length - 5} more)` : shown.join(', ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') {
    return `a string (${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)})`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'number' ? 'the number' : `a ${typeof value}`} ${String(value)}`;
}

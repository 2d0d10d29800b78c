import { encodeRgbPng, type RgbImage } from '../exploration/png.js';

/** Explaining an instance costs a backward pass through the model, so requests are capped. */
export const MAX_EXPLAINED_INSTANCES = 16;

/** Heat maps are drawn this many times larger than the model's input. */
export const HEAT_MAP_SCALE = 4;

/** Decimals kept in `values`: far finer than a heat map shows, and a tenth of the JSON. */
const DECIMALS = 4;

/** Where a prediction looked: one value per input pixel, and a picture of them. */
export interface Saliency {
  /** |d p / d pixel| for the predicted class, row-major, scaled so the largest is 1. */
  values: number[];
  /** Base64 PNG: the values as a heat map (black, red, yellow, white), enlarged. */
  png: string;
}

/**
 * Absolute gradients scaled into [0, 1] with the largest at 1, rounded. All zeros when no
 * pixel moves the probability at all (then there is nothing to show, and dividing by 0 would
 * give NaN).
 */
export function normalizeSaliency(gradients: ArrayLike<number>): number[] {
  let max = 0;
  for (let i = 0; i < gradients.length; i++) max = Math.max(max, Math.abs(gradients[i] as number));
  const factor = 10 ** DECIMALS;
  return Array.from(gradients, (g) =>
    max === 0 ? 0 : Math.round((Math.abs(g) / max) * factor) / factor,
  );
}

/**
 * The "hot" colour map: black through red and yellow to white as `value` goes from 0 to 1,
 * so the brightest spots are the pixels the prediction depends on most.
 */
export function hotColour(value: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, value));
  const channel = (offset: number) => Math.round(Math.min(1, Math.max(0, 3 * v - offset)) * 255);
  return [channel(0), channel(1), channel(2)];
}

/** `values` (height x width, in [0, 1]) as a heat map, each value a `scale` x `scale` block. */
export function heatMap(
  values: ArrayLike<number>,
  height: number,
  width: number,
  scale = HEAT_MAP_SCALE,
): RgbImage {
  const outWidth = width * scale;
  const outHeight = height * scale;
  const rgb = new Uint8Array(outWidth * outHeight * 3);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const value = values[Math.floor(y / scale) * width + Math.floor(x / scale)] as number;
      rgb.set(hotColour(value), (y * outWidth + x) * 3);
    }
  }
  return { width: outWidth, height: outHeight, rgb };
}

/** A prediction's saliency from the raw input gradients of one instance. */
export function toSaliency(gradients: ArrayLike<number>, height: number, width: number): Saliency {
  const values = normalizeSaliency(gradients);
  const png = encodeRgbPng(heatMap(values, height, width)).toString('base64');
  return { values, png };
}

import { existsSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { SYSTEM_FASHION_MNIST_DIRS } from '../../../src/data/fashion-mnist-files.js';
import { type IdxImages, readIdxImages } from '../../../src/data/idx.js';
import { SETUP_REQUIRED } from '../../support/required.js';

/** Debian's dataset-fashion-mnist package; suites using it are skipped without it. */
export const T10K_IMAGES = `${SYSTEM_FASHION_MNIST_DIRS[0]}/t10k-images-idx3-ubyte.gz`;
export const hasFashionMnist = existsSync(T10K_IMAGES) || SETUP_REQUIRED;

let cached: Promise<IdxImages> | undefined;

export function loadTestImages(): Promise<IdxImages> {
  cached ??= readIdxImages(T10K_IMAGES);
  return cached;
}

/** One 28x28 image, row-major bytes. */
export function imageAt(set: IdxImages, index: number): Uint8Array {
  const size = set.width * set.height;
  return set.images.slice(index * size, (index + 1) * size);
}

/** `count` indices spread evenly over the set. */
export function sampleIndices(set: IdxImages, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.floor((i * set.count) / count));
}

export function grayToRgba(gray: Uint8Array, alpha?: Uint8Array): Buffer {
  const rgba = Buffer.alloc(gray.length * 4);
  gray.forEach((value, i) => {
    rgba.fill(value, i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = alpha?.[i] ?? 255;
  });
  return rgba;
}

export function encodePng(gray: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = grayToRgba(gray);
  return PNG.sync.write(png);
}

export function encodeRgbaPng(rgba: Buffer, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = rgba;
  return PNG.sync.write(png);
}

export function encodeJpeg(gray: Uint8Array, width: number, height: number, quality = 95): Buffer {
  return jpeg.encode({ width, height, data: grayToRgba(gray) }, quality).data;
}

/** Each pixel repeated `factor` x `factor` times. */
export function upscaleNearest(gray: Uint8Array, size: number, factor: number): Uint8Array {
  const out = new Uint8Array(size * factor * size * factor);
  for (let y = 0; y < size * factor; y++) {
    for (let x = 0; x < size * factor; x++) {
      out[y * size * factor + x] =
        gray[Math.floor(y / factor) * size + Math.floor(x / factor)] ?? 0;
    }
  }
  return out;
}

/** Dark garment on a white background: the usual photo or scan. */
export function invertBytes(gray: Uint8Array): Uint8Array {
  return gray.map((value) => 255 - value);
}

export function toUnit(gray: ArrayLike<number>): Float32Array {
  return Float32Array.from(gray, (value) => value / 255);
}

/** Mean absolute difference, in the units of the arrays. */
export function meanAbsoluteError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

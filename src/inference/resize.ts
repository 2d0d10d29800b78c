import type { GrayImage } from './decode.js';

/** The model's input side: Fashion-MNIST images are 28x28. */
export const MODEL_IMAGE_SIZE = 28;

/**
 * Scales `image` to fit a `size` x `size` square, keeping its aspect ratio, and centres it on a
 * black (0) background: Fashion-MNIST garments are centred on black. Shrinking averages areas
 * (each output pixel is the mean of the source area it covers, so thin lines fade rather than
 * vanish); enlarging interpolates bilinearly. Values keep their range.
 */
export function fitToSquare(image: GrayImage, size = MODEL_IMAGE_SIZE): Float32Array {
  const { width, height, pixels } = image;
  const scale = size / Math.max(width, height);
  const fitWidth = Math.max(1, Math.min(size, Math.round(width * scale)));
  const fitHeight = Math.max(1, Math.min(size, Math.round(height * scale)));
  const left = Math.floor((size - fitWidth) / 2);
  const top = Math.floor((size - fitHeight) / 2);

  const columns = axisWeights(width, fitWidth);
  const rows = axisWeights(height, fitHeight);
  // Separable: resample each source row horizontally, then the result vertically.
  const wide = new Float32Array(height * fitWidth);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < fitWidth; x++) {
      wide[y * fitWidth + x] = apply(columns[x], pixels, y * width, 1);
    }
  }
  const out = new Float32Array(size * size);
  for (let y = 0; y < fitHeight; y++) {
    for (let x = 0; x < fitWidth; x++) {
      out[(top + y) * size + left + x] = apply(rows[y], wide, x, fitWidth);
    }
  }
  return out;
}

/** Source indices and their weights (summing to 1) for one output position along an axis. */
interface Taps {
  index: number[];
  weight: number[];
}

function axisWeights(from: number, to: number): Taps[] {
  if (to < from) return areaWeights(from, to);
  if (to > from) return bilinearWeights(from, to);
  return Array.from({ length: to }, (_, i) => ({ index: [i], weight: [1] }));
}

/** Output pixel i covers source span [i, i + 1) * from / to; each source pixel counts by overlap. */
function areaWeights(from: number, to: number): Taps[] {
  const span = from / to;
  return Array.from({ length: to }, (_, i) => {
    const start = i * span;
    const end = start + span;
    const taps: Taps = { index: [], weight: [] };
    for (let s = Math.floor(start); s < Math.min(from, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      if (overlap > 0) {
        taps.index.push(s);
        taps.weight.push(overlap / span);
      }
    }
    return taps;
  });
}

/** Pixel centres aligned (half-pixel convention), edges clamped. */
function bilinearWeights(from: number, to: number): Taps[] {
  return Array.from({ length: to }, (_, i) => {
    const position = Math.min(from - 1, Math.max(0, ((i + 0.5) * from) / to - 0.5));
    const low = Math.floor(position);
    const high = Math.min(from - 1, low + 1);
    const fraction = position - low;
    return { index: [low, high], weight: [1 - fraction, fraction] };
  });
}

function apply(taps: Taps | undefined, source: Float32Array, base: number, stride: number): number {
  if (!taps) return 0;
  let sum = 0;
  for (let k = 0; k < taps.index.length; k++) {
    sum += (taps.weight[k] ?? 0) * (source[base + (taps.index[k] ?? 0) * stride] ?? 0);
  }
  return sum;
}

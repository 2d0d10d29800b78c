import { mixSeed, mulberry32 } from './random.js';

/**
 * Training-time augmentation of a batch of single-channel images, done in place on the
 * pixels the step is fed. Each image's changes are drawn from its own generator, seeded by
 * the epoch's seed and the image's row in the data set: the same row in the same epoch is
 * changed the same way however the epoch is split into batches, replicas or attempts, so a
 * resumed run replays exactly.
 */
export interface Augment {
  /** Shift by up to this many pixels each way (zero padding, then a crop). 0: off. */
  readonly translate: number;
  /** Mirror left-right with probability 1/2. */
  readonly flip: boolean;
  /**
   * Random erasing: with this probability, one rectangle of 2% to 25% of the image, of
   * aspect 0.3 to 3.3, is filled with uniform noise. 0: off.
   */
  readonly erase: number;
}

export const NO_AUGMENT: Augment = { translate: 0, flip: false, erase: 0 };

export function augments(augment: Augment | undefined): augment is Augment {
  return !!augment && (augment.translate > 0 || augment.flip || augment.erase > 0);
}

/**
 * Augments `rows.length` images of `height` x `width` laid out one after another in
 * `pixels`; image i is data-set row `rows[i]`.
 */
export function augmentBatch(
  pixels: Float32Array,
  rows: ArrayLike<number>,
  height: number,
  width: number,
  augment: Augment,
  epochSeed: number,
): void {
  const size = height * width;
  const scratch = new Float32Array(size);
  for (let i = 0; i < rows.length; i++) {
    const image = pixels.subarray(i * size, (i + 1) * size);
    const random = mulberry32(mixSeed(epochSeed, rows[i] as number));
    const shift = augment.translate;
    const dy = shift > 0 ? Math.floor(random() * (2 * shift + 1)) - shift : 0;
    const dx = shift > 0 ? Math.floor(random() * (2 * shift + 1)) - shift : 0;
    const flip = augment.flip && random() < 0.5;
    if (dx !== 0 || dy !== 0 || flip) {
      scratch.set(image);
      moveImage(scratch, image, height, width, dy, dx, flip);
    }
    if (augment.erase > 0 && random() < augment.erase) erase(image, height, width, random);
  }
}

/** out(y, x) = source(y - dy, x' - dx) where x' mirrors x when flipping; zero outside. */
function moveImage(
  source: Float32Array,
  out: Float32Array,
  height: number,
  width: number,
  dy: number,
  dx: number,
  flip: boolean,
): void {
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    const row = y * width;
    if (sy < 0 || sy >= height) {
      out.fill(0, row, row + width);
      continue;
    }
    for (let x = 0; x < width; x++) {
      const sx = (flip ? width - 1 - x : x) - dx;
      out[row + x] = sx >= 0 && sx < width ? (source[sy * width + sx] as number) : 0;
    }
  }
}

/** Zhong et al.'s random erasing: areas 2%-25% here, a noise fill. */
function erase(image: Float32Array, height: number, width: number, random: () => number): void {
  const area = height * width * (0.02 + random() * 0.23);
  const aspect = Math.exp(Math.log(0.3) + random() * (Math.log(3.3) - Math.log(0.3)));
  const h = Math.min(height, Math.max(1, Math.round(Math.sqrt(area * aspect))));
  const w = Math.min(width, Math.max(1, Math.round(Math.sqrt(area / aspect))));
  const top = Math.floor(random() * (height - h + 1));
  const left = Math.floor(random() * (width - w + 1));
  for (let y = top; y < top + h; y++) {
    for (let x = left; x < left + w; x++) image[y * width + x] = random();
  }
}

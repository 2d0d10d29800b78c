import { dropout, ones, serialization, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';

const UINT32 = 2 ** 32;

function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The `index`-th seed of the stream seeded by `base`: a counter-based
 * generator, so a seed depends only on (base, index) and replays exactly.
 * Never 0, because tfjs' normal-distribution samplers treat a 0 seed as
 * "pick a random one".
 */
export function deriveSeed(base: number, index: number): number {
  if (!Number.isSafeInteger(base) || !Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`seeds are safe integers, got base ${base} and index ${index}`);
  }
  const high = Math.floor(base / UINT32);
  const state = mix32(mix32(base) ^ mix32(high + 0x9e3779b9) ^ Math.imul(index + 1, 0x85ebca6b));
  return state === 0 ? 1 : state;
}

export interface SeededDropoutArgs {
  readonly rate: number;
  /** Without a seed every mask is freshly random, as with the stock layer. */
  readonly seed?: number;
  readonly name?: string;
}

/**
 * Dropout whose masks replay from run to run yet change from batch to batch.
 *
 * The stock tfjs-layers Dropout passes its fixed `seed` straight to
 * tf.dropout on every call, and tf.randomUniform builds a new generator from
 * that seed each time, so a seeded stock Dropout drops the very same units in
 * every batch. This layer instead draws the next seed of a stream derived
 * from its own seed for each training call.
 */
export class SeededDropout extends layers.Layer {
  // The stock name keeps summaries and saved topologies standard Keras.
  static readonly className = 'Dropout';

  readonly rate: number;
  readonly seed: number | undefined;
  private trainingCalls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) {
      throw new RangeError(`dropout rate must be in [0, 1), got ${args.rate}`);
    }
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const tensors = Array.isArray(inputs) ? inputs : [inputs];
      const [input] = tensors;
      if (input === undefined || tensors.length !== 1) {
        throw new Error(`${this.name} expects exactly one input tensor`);
      }
      if (kwargs.training !== true || this.rate === 0) return input;
      return dropout(input, this.rate, undefined, this.nextSeed());
    });
  }

  /**
   * What a training call on an input of `shape` would multiply it by (0 or 1/keep per
   * unit), drawn from the same seed stream: a compiled training step applies it as it is.
   * Undefined at rate 0, where a training call draws nothing.
   */
  trainingMask(shape: number[]): Float32Array | undefined {
    if (this.rate === 0) return undefined;
    const mask = tidy(() => dropout(ones(shape), this.rate, undefined, this.nextSeed()));
    const values = mask.dataSync() as Float32Array;
    mask.dispose();
    return values;
  }

  private nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : deriveSeed(this.seed, this.trainingCalls++);
  }

  override getConfig(): serialization.ConfigDict {
    return { rate: this.rate, noiseShape: null, seed: this.seed ?? null, ...super.getConfig() };
  }
}

/**
 * Makes tf.loadLayersModel rebuild 'Dropout' layers as SeededDropout. Without
 * it a reloaded seeded model gets the stock layer, whose seed fixes one mask
 * for every batch.
 */
export function registerSeededDropout(): void {
  serialization.registerClass(SeededDropout);
}

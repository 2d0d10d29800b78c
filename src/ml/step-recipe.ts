import type { Augment } from './augment.js';

/**
 * How each training step treats its batch beyond the optimizer's own update. Every field is
 * off when absent, which is the seed notebook's training: plain one-hot labels, raw
 * gradients, no decay, no augmentation.
 */
export interface StepRecipe {
  readonly augment?: Augment;
  /** Targets become (1 − ε)·one-hot + ε/classes (Szegedy et al.). */
  readonly labelSmoothing?: number;
  /** Gradients are scaled down so their global L2 norm is at most this. */
  readonly clipNorm?: number;
  /**
   * Decoupled weight decay (Loshchilov & Hutter): each trainable weight shrinks by
   * learning rate × weightDecay before the optimizer's update, as Keras' AdamW does.
   */
  readonly weightDecay?: number;
  /** SGD only: heavy-ball momentum, Nesterov's form when `nesterov`. */
  readonly momentum?: number;
  readonly nesterov?: boolean;
}

/** What changes from one step to the next. */
export interface StepInput {
  /** Absent: the optimizer's own, unchanged. */
  learningRate?: number;
  /** Seeds the augmentation of this epoch's images (see augment.ts). */
  augmentSeed: number;
}

/** One-hot targets, smoothed by ε when asked. */
export function targetBatch(labels: Int32Array, classes: number, smoothing = 0): Float32Array {
  const off = smoothing / classes;
  const on = 1 - smoothing + off;
  const targets = new Float32Array(labels.length * classes);
  if (off > 0) targets.fill(off);
  labels.forEach((label, i) => {
    targets[i * classes + label] = on;
  });
  return targets;
}

/** The factor that brings gradients of global norm √`squares` within `clipNorm` (1: as they are). */
export function clipFactor(squares: number, clipNorm: number | undefined): number {
  if (!clipNorm) return 1;
  const norm = Math.sqrt(squares);
  return norm > clipNorm ? clipNorm / norm : 1;
}

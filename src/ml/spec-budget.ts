import type { ModelSpec } from './spec.js';
import { sizeOf, specLayers } from './spec-layers.js';

/**
 * What training a spec costs, computed from the spec alone (as spec-summary.ts computes its
 * table), so a model too large for a worker is refused when it is submitted instead of
 * failing in the worker with "Array buffer allocation failed", three times.
 */
export interface SpecCost {
  /** Trainable and non-trainable weights, as the summary's "Total params". */
  parameters: number;
  /** Floats of every layer output of one image: the forward pass keeps them all for backprop. */
  activationsPerImage: number;
  /** Floats of the largest layer output of one image. */
  largestActivation: number;
  /** Floating-point operations of one image's forward pass, a multiply-add counted as 2. */
  flopsPerImage: number;
}

export function specCost(spec: ModelSpec): SpecCost {
  const cost = { parameters: 0, activationsPerImage: 0, largestActivation: 0, flopsPerImage: 0 };
  for (const layer of specLayers(spec)) {
    const size = sizeOf(layer);
    cost.parameters += layer.trainable + layer.nonTrainable;
    cost.activationsPerImage += size * layer.kept;
    if (layer.kept > 0) cost.largestActivation = Math.max(cost.largestActivation, size);
    cost.flopsPerImage += size * layer.flopsPerValue;
  }
  return cost;
}

/**
 * Bytes of float32 activations one training batch holds at its peak: every layer output of
 * the batch (kept by the forward pass for backprop) plus the gradients flowing in and out of
 * the largest layer while backprop passes it. An estimate: backends reuse some buffers and
 * the optimizer's state is counted with the parameters.
 */
export function activationBytes(cost: SpecCost, batchSize: number): number {
  return batchSize * 4 * (cost.activationsPerImage + 2 * cost.largestActivation);
}

/** The most a submitted model may cost; the service reads them from TAILOR_MAX_* settings. */
export interface SpecLimits {
  maxParameters: number;
  maxActivationBytes: number;
  maxFlopsPerImage: number;
}

/**
 * Defaults that admit the seed model (3.4 million parameters, 65 MFLOPs per image, 100 MB of
 * activations per batch of 50) many times over, and the widest architectures tuning draws
 * on Fashion-MNIST (8,192 neurons: 85 million parameters), while refusing what no worker of
 * a few GB can train.
 */
export const DEFAULT_SPEC_LIMITS: SpecLimits = {
  maxParameters: 100_000_000,
  maxActivationBytes: 4096 * 2 ** 20,
  maxFlopsPerImage: 10_000 * 1e6,
};

export type SpecBudgetFigure = 'parameters' | 'activation memory' | 'FLOPs per image';

/** A spec over one of the limits; the message names the figure, its value and the limit. */
export class SpecBudgetError extends Error {
  override readonly name = 'SpecBudgetError';
  readonly code = 'MODEL_TOO_LARGE';

  constructor(
    readonly figure: SpecBudgetFigure,
    readonly value: number,
    readonly limit: number,
    message: string,
  ) {
    super(message);
  }
}

/** Throws SpecBudgetError for the first figure over its limit; returns the cost otherwise. */
export function checkSpecBudget(
  spec: ModelSpec,
  batchSize: number,
  limits: SpecLimits = DEFAULT_SPEC_LIMITS,
): SpecCost {
  const cost = specCost(spec);
  // `!(a <= b)` so a figure that is not finite (it cannot be, under SPEC_CAPS) still fails.
  if (!(cost.parameters <= limits.maxParameters)) {
    throw new SpecBudgetError(
      'parameters',
      cost.parameters,
      limits.maxParameters,
      `the model has ${count(cost.parameters)} parameters, over the limit of ${count(limits.maxParameters)}; use fewer or narrower dense blocks, or more pooling before them`,
    );
  }
  const bytes = activationBytes(cost, batchSize);
  if (!(bytes <= limits.maxActivationBytes)) {
    throw new SpecBudgetError(
      'activation memory',
      bytes,
      limits.maxActivationBytes,
      `a training batch of ${batchSize} images needs about ${mb(bytes)} of activations, over the limit of ${mb(limits.maxActivationBytes)}; use a smaller batchSize, fewer channels or a smaller inputShape`,
    );
  }
  if (!(cost.flopsPerImage <= limits.maxFlopsPerImage)) {
    throw new SpecBudgetError(
      'FLOPs per image',
      cost.flopsPerImage,
      limits.maxFlopsPerImage,
      `the model needs ${mflops(cost.flopsPerImage)} per image, over the limit of ${mflops(limits.maxFlopsPerImage)}; use fewer channels, smaller filters or a smaller inputShape`,
    );
  }
  return cost;
}

function count(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

function mb(bytes: number): string {
  return `${count(Math.ceil(bytes / 2 ** 20))} MB`;
}

function mflops(flops: number): string {
  return `${count(Math.ceil(flops / 1e6))} MFLOPs`;
}

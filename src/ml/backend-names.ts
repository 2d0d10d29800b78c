/** Backends in order of preference: CUDA, native CPU, then wasm (XNNPACK), then plain JS. */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

/**
 * How a single training process runs its step on a native backend: `compiled` builds the
 * whole step as one TensorFlow graph (native/tailor_graph.cc), `eager` runs tfjs ops one by
 * one; `auto` compiles where the addon is built and the model supported.
 */
export const TRAINING_STEPS = ['auto', 'compiled', 'eager'] as const;
export type TrainingStepChoice = (typeof TRAINING_STEPS)[number];

/** Backends in order of preference: CUDA, native CPU, then wasm (XNNPACK), then plain JS. */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

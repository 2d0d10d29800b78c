import { availableParallelism } from 'node:os';
import type { BackendName } from './backend-names.js';

/**
 * Data-parallel replicas a training run starts unless told otherwise. wasm runs each kernel
 * on one core, so a replica per core (at most two: past that, averaging gradients costs
 * more than it gains) pays off; TensorFlow already spreads every kernel over all cores.
 */
export function defaultReplicas(backend: BackendName): number {
  return backend === 'wasm' ? Math.min(2, availableParallelism()) : 1;
}

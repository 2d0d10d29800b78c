import type { LabelledImageSet } from '../../data/types.js';
import type { BackendChoice } from '../backend.js';
import type { ModelArtifacts, OptimizerState } from '../model-state.js';
import type { ReplicaOptions } from '../replica.js';

/** What each replica worker starts with; the image sets sit in shared memory. */
export interface ReplicaWorkerData {
  index: number;
  backend: BackendChoice;
  replica: ReplicaOptions;
  sets: Record<'train' | 'val' | 'test', LabelledImageSet | undefined>;
  /** One slot of `parameters` floats per replica, for exchanging gradients. */
  gradients: SharedArrayBuffer;
  parameters: number;
}

export type Request =
  | { id: number; type: 'gradients'; rows: Int32Array; augmentSeed?: number }
  | { id: number; type: 'apply'; counts: number[]; learningRate?: number }
  /** Answered with the replica's EvalResult for these rows (loss, labels, confidences). */
  | { id: number; type: 'evaluate'; set: 'val' | 'test'; rows: Int32Array }
  | { id: number; type: 'getStats' }
  | { id: number; type: 'digest' }
  | { id: number; type: 'setStats'; values: Float32Array[] }
  | { id: number; type: 'exportModel' }
  | { id: number; type: 'exportOptimizer' }
  | { id: number; type: 'importState'; model: ModelArtifacts; optimizer?: OptimizerState };

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export interface ReadyMessage {
  ready: true;
  backend: string;
}

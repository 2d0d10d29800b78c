import type { ModelArtifacts } from '../ml/model-state.js';
import { StoreError } from './store-errors.js';

/** The one file every stored model has: tfjs loads a layers model from it. */
export const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';
const META_FILE = 'meta.json';

export interface SavedModel {
  artifacts: ModelArtifacts;
  /** Whatever the writer stored beside the weights (metrics, spec, ...). */
  meta: Record<string, unknown>;
}

/** A model as the files of the tfjs layers format, plus meta.json. */
export function modelFiles(saved: SavedModel): Record<string, Uint8Array | string> {
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'tailor',
    convertedBy: null,
    modelTopology: saved.artifacts.topology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: saved.artifacts.weightSpecs }],
  };
  return {
    [MODEL_FILE]: JSON.stringify(modelJson),
    [WEIGHTS_FILE]: new Uint8Array(saved.artifacts.weightData),
    [META_FILE]: JSON.stringify(saved.meta, null, 2),
  };
}

/** The model in `files` (as modelFiles wrote them); `what` names it in errors. */
export function parseModelFiles(files: Record<string, Uint8Array>, what: string): SavedModel {
  const text = (name: string) => Buffer.from(files[name] ?? []).toString('utf8');
  let modelJson: {
    modelTopology?: ModelArtifacts['topology'];
    weightsManifest?: { paths: string[]; weights: ModelArtifacts['weightSpecs'] }[];
  };
  try {
    modelJson = JSON.parse(text(MODEL_FILE));
  } catch {
    modelJson = {};
  }
  const manifest = modelJson.weightsManifest?.[0];
  const weights = manifest && files[manifest.paths[0] ?? ''];
  if (!manifest || !modelJson.modelTopology || !weights) {
    throw new StoreError('INTEGRITY', `${what}: ${MODEL_FILE} is not a tfjs layers model`);
  }
  const meta = files[META_FILE] ? JSON.parse(text(META_FILE)) : {};
  return {
    artifacts: {
      topology: modelJson.modelTopology,
      weightSpecs: manifest.weights,
      weightData: toArrayBuffer(weights),
    },
    meta,
  };
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

import { kerasConfig } from './keras-config.js';
import { kerasLayerWeights, writeKerasWeights } from './keras-weights.js';
import { readTopology, type StoredModelJson } from './layers-topology.js';
import { zipStored } from './zip.js';

/** The Keras release whose format the archive follows; Keras 3 reads archives of any 3.x. */
export const KERAS_VERSION = '3.15.1';

/**
 * A Keras 3 `.keras` archive (config.json, metadata.json, model.weights.h5) for a stored
 * model, which `keras.saving.load_model` loads with stock layers only. The layout is Keras'
 * own (keras/src/saving/saving_lib.py).
 */
export async function kerasArchive(
  stored: StoredModelJson,
  weightData: Uint8Array,
  savedAt: Date,
): Promise<Buffer> {
  const topology = readTopology(stored.modelTopology);
  const specs = stored.weightsManifest.flatMap((group) => group.weights);
  const weights = await writeKerasWeights(
    topology.name,
    kerasLayerWeights(topology, specs, weightData),
  );
  const metadata = { keras_version: KERAS_VERSION, date_saved: kerasDate(savedAt) };
  return zipStored(
    [
      { name: 'metadata.json', data: Buffer.from(JSON.stringify(metadata)) },
      { name: 'config.json', data: Buffer.from(JSON.stringify(kerasConfig(topology))) },
      { name: 'model.weights.h5', data: weights },
    ],
    savedAt,
  );
}

/** Keras writes `YYYY-MM-DD@HH:MM:SS`. */
function kerasDate(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', '@');
}

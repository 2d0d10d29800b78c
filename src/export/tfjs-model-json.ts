import { readTopology, type StoredModelJson } from './layers-topology.js';

/** What a loaded model reports through `getUserDefinedMetadata()`. */
export interface ExportMetadata {
  model: { id: string; version: number };
  classNames: string[];
  /** How to turn an image into the model's input, so predictions match tailor's. */
  input: string;
}

export const INPUT_NOTE =
  'float32 [batch, 28, 28, 1]: grayscale pixels scaled to [0, 1], light garment on a dark background (Fashion-MNIST polarity)';

/**
 * The model.json a stock `tf.loadLayersModel(url)` reads: the stored topology (checked to use
 * stock layer classes only, see layers-topology.ts) and one weights file at `weightsPath`,
 * resolved by the loader relative to the model.json's URL.
 */
export function tfjsModelJson(
  stored: StoredModelJson,
  weightsPath: string,
  metadata: ExportMetadata,
): string {
  readTopology(stored.modelTopology);
  const weights = stored.weightsManifest.flatMap((group) => group.weights);
  return JSON.stringify({
    format: 'layers-model',
    generatedBy: stored.generatedBy ?? 'tailor',
    convertedBy: null,
    modelTopology: stored.modelTopology,
    weightsManifest: [{ paths: [weightsPath], weights }],
    userDefinedMetadata: metadata,
  });
}

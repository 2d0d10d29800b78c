import type { ArtifactStore } from '../store/artifact-store.js';
import type { ModelRegistry, ModelVersion } from '../store/model-registry.js';
import { createArchiveCache } from './archive-cache.js';
import { kerasArchive } from './keras-archive.js';
import { parseModelJson } from './layers-topology.js';
import { type ExportMetadata, INPUT_NOTE, tfjsModelJson } from './tfjs-model-json.js';

/**
 * Bytes of built Keras archives kept for the next download: the seed CNN's is 13 MB, so a few
 * models' worth. Building one takes a read of the model and an HDF5 write.
 */
export const KERAS_CACHE_BYTES = 64 * 1024 * 1024;

/** The weights file a model.json names; the loader fetches it relative to the model.json. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

export interface TfjsModelJsonOptions {
  /**
   * The weights path to write instead of `weights.bin`: a model.json reached through an alias
   * names its model's own weights, so a promotion between the two fetches cannot pair one
   * model's topology with another's weights.
   */
  weightsPath?: (model: ModelVersion) => string;
}

/** A registered model in the formats other tools load. Reads are verified by the store. */
export interface ModelExporter {
  resolve(idOrAlias: string): Promise<ModelVersion>;
  tfjsModelJson(model: ModelVersion, options?: TfjsModelJsonOptions): Promise<string>;
  tfjsWeights(model: ModelVersion): Promise<Uint8Array>;
  kerasArchive(model: ModelVersion): Promise<Buffer>;
}

export function createModelExporter(deps: {
  registry: ModelRegistry;
  store: ArtifactStore;
  /** Default KERAS_CACHE_BYTES. */
  cacheBytes?: number;
}): ModelExporter {
  const archives = createArchiveCache(deps.cacheBytes ?? KERAS_CACHE_BYTES);
  const files = async (model: ModelVersion) =>
    (await deps.store.read(model.artifact, { sha256: model.sha256 })).files;
  const storedJson = async (model: ModelVersion) => {
    const found = await files(model);
    return { stored: parseModelJson(required(found, 'model.json')), found };
  };

  return {
    resolve: (idOrAlias) => deps.registry.resolve(idOrAlias),
    async tfjsModelJson(model, options = {}) {
      const { stored } = await storedJson(model);
      const path = options.weightsPath?.(model) ?? TFJS_WEIGHTS_FILE;
      return tfjsModelJson(stored, path, metadataOf(model));
    },
    async tfjsWeights(model) {
      const { stored, found } = await storedJson(model);
      return required(found, weightsFileOf(stored));
    },
    kerasArchive(model) {
      // Keyed by the registry's digest of the files: built once from files verified against it.
      return archives.get(model.sha256, async () => {
        const { stored, found } = await storedJson(model);
        const weights = required(found, weightsFileOf(stored));
        return kerasArchive(stored, weights, new Date(model.createdAt));
      });
    },
  };
}

function metadataOf(model: ModelVersion): ExportMetadata {
  return {
    model: { id: model.id, version: model.version },
    classNames: model.classNames,
    input: INPUT_NOTE,
  };
}

/** Stored models keep all weights in one file (checkpoints.ts writes them so). */
function weightsFileOf(stored: ReturnType<typeof parseModelJson>): string {
  const paths = stored.weightsManifest.flatMap((group) => group.paths);
  if (paths.length !== 1 || paths[0] === undefined) {
    throw new Error(`a stored model has ${paths.length} weight files, expected 1`);
  }
  return paths[0];
}

function required(files: Record<string, Uint8Array>, name: string): Uint8Array {
  const bytes = files[name];
  if (!bytes) throw new Error(`the stored model has no ${name}`);
  return bytes;
}

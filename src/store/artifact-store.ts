import type { Blobs } from './blobs.js';
import {
  type ArtifactManifest,
  deleteBundle,
  MANIFEST_FILE,
  readBundle,
  writeBundle,
} from './bundles.js';
import { assertId, isValidId } from './ids.js';
import { createLocalBlobs } from './local-blobs.js';
import { MODEL_FILE, modelFiles, parseModelFiles, type SavedModel } from './model-files.js';
import { StoreError } from './store-errors.js';

export {
  type ArtifactManifest,
  type FileDigest,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
} from './bundles.js';
export type { SavedModel } from './model-files.js';

export interface StoredModel {
  id: string;
  /** sha256 of manifest.json, so it covers every file through the hashes listed there. */
  sha256: string;
  manifest: ArtifactManifest;
}

export interface ModelFiles extends StoredModel {
  /** Verified contents, by file name (model.json, weights.bin, meta.json, ...). */
  files: Record<string, Uint8Array>;
}

export interface VerifyOptions {
  /** The digest returned by putModel (kept in the registry); checked too when given. */
  sha256?: string;
}

/**
 * Where trained models live. Stored models are immutable: putModel never overwrites, and
 * every read checks the files against the manifest recorded when they were put.
 */
export interface ArtifactStore {
  /** Stores a model under a new id; StoreError CONFLICT if the id is taken. */
  putModel(id: string, model: SavedModel): Promise<StoredModel>;
  read(id: string, options?: VerifyOptions): Promise<ModelFiles>;
  /** The verified model as topology, weights and meta, ready for tfjs. */
  open(id: string, options?: VerifyOptions): Promise<SavedModel>;
  /** Removes a model; false if there was none. */
  delete(id: string): Promise<boolean>;
  /** Ids of all stored models, sorted. */
  list(): Promise<string[]>;
}

/**
 * Models over any Blobs, one directory key per model: its files, then `manifest.json`
 * written last, so a model whose upload did not finish (a crash, a lost connection) has no
 * manifest and is never served nor listed. Does no I/O until called.
 */
export function createArtifactStore(blobs: Blobs): ArtifactStore {
  const what = (id: string) => `artifact '${id}'`;

  async function putModel(id: string, model: SavedModel): Promise<StoredModel> {
    assertId(id, 'artifact');
    // Encoded before anything is written, so a model that cannot be encoded leaves nothing.
    const files = modelFiles(model);
    const { sha256, manifest } = await writeBundle(blobs, id, files, {
      what: what(id),
      exclusive: true,
    });
    return { id, sha256, manifest };
  }

  async function read(id: string, options: VerifyOptions = {}): Promise<ModelFiles> {
    const bundle = await readBundle(blobs, assertId(id, 'artifact'), what(id), options.sha256);
    if (!bundle.manifest.files[MODEL_FILE]) {
      throw new StoreError(
        'INTEGRITY',
        `${what(id)} failed verification: ${MANIFEST_FILE} does not list ${MODEL_FILE}`,
      );
    }
    return { id, ...bundle };
  }

  async function list(): Promise<string[]> {
    const ids = (await blobs.children()).filter(isValidId);
    const published = await Promise.all(
      ids.map(async (id) => ((await blobs.exists(`${id}/${MANIFEST_FILE}`)) ? id : undefined)),
    );
    return published.filter((id): id is string => id !== undefined);
  }

  return {
    putModel,
    read,
    open: async (id, options) => parseModelFiles((await read(id, options)).files, what(id)),
    delete: async (id) => deleteBundle(blobs, assertId(id, 'artifact')),
    list,
  };
}

/** The artifact store in a local directory, one subdirectory per model. */
export function createFileArtifactStore(rootDir: string): ArtifactStore {
  return createArtifactStore(createLocalBlobs(rootDir));
}

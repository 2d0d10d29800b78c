import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fsyncPath, writeDirAtomic, writeFileAtomic } from './atomic.js';
import { loadModelDir, type SavedModel, saveModelDir } from './checkpoints.js';
import { assertId, isValidFileName, isValidId } from './ids.js';
import { StoreError } from './store-errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'tailor-artifact/1';
/** The one file every stored model has: tfjs loads a layers model from it. */
const MODEL_FILE = 'model.json';
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface FileDigest {
  sha256: string;
  size: number;
}

/** Written beside the model files; lists every file's hash and size, sorted by name. */
export interface ArtifactManifest {
  format: typeof MANIFEST_FORMAT;
  files: Record<string, FileDigest>;
}

/** The path of a model directory to copy in, or artifacts to write as a tfjs layers directory. */
export type ModelSource = string | SavedModel;

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
  putModel(id: string, source: ModelSource): Promise<StoredModel>;
  /** A verified local directory holding the model's files (an s3 store would download it). */
  getModelPath(id: string, options?: VerifyOptions): Promise<string>;
  read(id: string, options?: VerifyOptions): Promise<ModelFiles>;
  /** The verified model as topology, weights and meta, ready for tfjs. */
  open(id: string, options?: VerifyOptions): Promise<SavedModel>;
  /** Removes a model; false if there was none. */
  delete(id: string): Promise<boolean>;
  /** Ids of all stored models, sorted. */
  list(): Promise<string[]>;
}

/**
 * The file:// store: one directory per model under `rootDir`. Writes go to a hidden
 * `.tmp-*` sibling first and appear by rename, so readers and list() never see a partial
 * model. Does no I/O until called.
 */
export function createFileArtifactStore(rootDir: string): ArtifactStore {
  const root = resolve(rootDir);
  // The id pattern admits no '.', '/' or '\', so the joined path always stays under root.
  const modelDir = (id: string) => join(root, assertId(id, 'artifact'));
  const tempName = (purpose: string) => `.tmp-${purpose}-${randomBytes(6).toString('hex')}`;

  async function putModel(id: string, source: ModelSource): Promise<StoredModel> {
    const target = modelDir(id);
    const staging = tempName('put');
    const stagingDir = join(root, staging);
    try {
      if (typeof source === 'string') {
        await writeDirAtomic(stagingDir, await readSourceDir(source));
      } else {
        await saveModelDir(root, staging, source);
      }
      const manifest = await hashDir(stagingDir);
      const manifestText = JSON.stringify(manifest, null, 2);
      await writeFileAtomic(join(stagingDir, MANIFEST_FILE), manifestText);
      await publish(stagingDir, target, id);
      return { id, sha256: sha256(manifestText), manifest };
    } catch (err) {
      await rm(stagingDir, { recursive: true, force: true });
      throw err;
    }
  }

  async function read(id: string, options: VerifyOptions = {}): Promise<ModelFiles> {
    const dir = modelDir(id);
    const manifestBytes = await readManifest(dir, id);
    const digest = sha256(manifestBytes);
    if (options.sha256 !== undefined && options.sha256 !== digest) {
      throw integrity(id, `manifest.json has sha256 ${digest}, expected ${options.sha256}`);
    }
    const manifest = parseManifest(manifestBytes, id);
    const files: Record<string, Uint8Array> = {};
    for (const [name, expected] of Object.entries(manifest.files)) {
      const bytes = await readFile(join(dir, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw integrity(id, `${name} is missing`);
        throw err;
      });
      if (bytes.length !== expected.size || sha256(bytes) !== expected.sha256) {
        throw integrity(
          id,
          `${name} was changed or truncated (${bytes.length} bytes, expected ${expected.size})`,
        );
      }
      files[name] = bytes;
    }
    return { id, sha256: digest, manifest, files };
  }

  async function getModelPath(id: string, options?: VerifyOptions): Promise<string> {
    await read(id, options);
    return modelDir(id);
  }

  async function remove(id: string): Promise<boolean> {
    const dir = modelDir(id);
    // Renamed away first so a concurrent reader sees the whole model or none of it.
    const doomed = join(root, tempName('delete'));
    try {
      await rename(dir, doomed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
    return true;
  }

  async function list(): Promise<string[]> {
    const entries = await readdir(root, { withFileTypes: true }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [];
        throw err;
      },
    );
    // Hidden `.tmp-*` work directories never match the id pattern.
    return entries
      .filter((entry) => entry.isDirectory() && isValidId(entry.name))
      .map((entry) => entry.name)
      .sort();
  }

  return {
    putModel,
    getModelPath,
    read,
    open: async (id, options) => loadModelDir(await getModelPath(id, options)),
    delete: remove,
    list,
  };
}

/**
 * Reads the regular files of a model directory. Hidden files and an old manifest are left
 * behind; anything else unexpected (subdirectories, symlinks, odd names) is refused rather
 * than silently dropped.
 */
async function readSourceDir(dir: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === MANIFEST_FILE) continue;
    if (!entry.isFile() || !isValidFileName(entry.name)) {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `model directory entry ${JSON.stringify(entry.name)} is not a plain file with a safe name`,
      );
    }
    files[entry.name] = await readFile(join(dir, entry.name));
  }
  if (!files[MODEL_FILE]) {
    throw new StoreError('INVALID_ARGUMENT', `model directory has no ${MODEL_FILE}`);
  }
  return files;
}

async function hashDir(dir: string): Promise<ArtifactManifest> {
  const files: Record<string, FileDigest> = {};
  for (const name of (await readdir(dir)).sort()) {
    const bytes = await readFile(join(dir, name));
    files[name] = { sha256: sha256(bytes), size: bytes.length };
  }
  return { format: MANIFEST_FORMAT, files };
}

/** Moves a finished staging directory into place; never replaces an existing model. */
async function publish(stagingDir: string, target: string, id: string): Promise<void> {
  try {
    await rename(stagingDir, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new StoreError('CONFLICT', `artifact '${id}' already exists`, { cause: err });
    }
    throw err;
  }
  // The rename is only durable once the parent directory's entry is on disk.
  await fsyncPath(dirname(target));
}

async function readManifest(dir: string, id: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, MANIFEST_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (!exists) throw new StoreError('NOT_FOUND', `artifact '${id}' not found`);
    throw integrity(id, `${MANIFEST_FILE} is missing`);
  }
}

function parseManifest(bytes: Buffer, id: string): ArtifactManifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw integrity(id, `${MANIFEST_FILE} is not JSON`);
  }
  if (!isRecord(value) || value.format !== MANIFEST_FORMAT || !isRecord(value.files)) {
    throw integrity(id, `${MANIFEST_FILE} is not a ${MANIFEST_FORMAT} manifest`);
  }
  const files: Record<string, FileDigest> = {};
  for (const [name, entry] of Object.entries(value.files)) {
    if (!isValidFileName(name) || !isDigest(entry)) {
      throw integrity(id, `${MANIFEST_FILE} has a malformed entry for ${JSON.stringify(name)}`);
    }
    files[name] = { sha256: entry.sha256, size: entry.size };
  }
  if (!files[MODEL_FILE]) throw integrity(id, `${MANIFEST_FILE} does not list ${MODEL_FILE}`);
  return { format: MANIFEST_FORMAT, files };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDigest(value: unknown): value is FileDigest {
  return (
    isRecord(value) &&
    typeof value.sha256 === 'string' &&
    SHA256_HEX.test(value.sha256) &&
    Number.isSafeInteger(value.size) &&
    (value.size as number) >= 0
  );
}

function integrity(id: string, detail: string): StoreError {
  return new StoreError('INTEGRITY', `artifact '${id}' failed verification: ${detail}`);
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

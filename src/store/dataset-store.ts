import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataSource } from '../data/data-source.js';
import {
  BUILT_IN_DATASET,
  DataFormatError,
  type DataLimits,
  type DataSummary,
  UPLOAD_DATA_LIMITS,
} from '../data/index.js';
import { fsyncPath } from './atomic.js';
import type { Blobs, FileDigest } from './blobs.js';
import { DatasetError, DatasetQuotaError, DatasetTooLargeError } from './dataset-errors.js';
import { validateUpload } from './dataset-validation.js';
import { assertId, isValidId } from './ids.js';
import { createLocalBlobs } from './local-blobs.js';
import { StoreError } from './store-errors.js';
import { removeDeadStaging, stagingName } from './upload-staging.js';

export { DatasetError, DatasetQuotaError, DatasetTooLargeError } from './dataset-errors.js';

export const DATASET_FILE = 'dataset.json';

/** Stored under fixed names: the readers sniff gzip from the bytes, so names carry no meaning. */
const FILES = {
  train: 'train.csv',
  test: 'test.csv',
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const CSV_PARTS = ['train', 'test'] as const;
export const IDX_PARTS = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
export type DatasetPart = keyof typeof FILES;
export type DatasetFormat = 'csv' | 'idx';

export function isDatasetPart(name: string): name is DatasetPart {
  return Object.hasOwn(FILES, name);
}

export function formatOf(part: DatasetPart): DatasetFormat {
  return (CSV_PARTS as readonly string[]).includes(part) ? 'csv' : 'idx';
}

export interface SetStats {
  count: number;
  /** Images per label, indexed by label; `classes` entries long. */
  perClass: number[];
}

export interface DatasetMeta {
  id: string;
  name: string;
  format: DatasetFormat;
  createdAt: string;
  train: SetStats;
  test: SetStats;
  height: number;
  width: number;
  classes: number;
  /** The API key that uploaded it; absent when authentication was off. */
  owner?: string;
}

/** How many uploaded data sets are kept; 0 turns a quota off. */
export interface DatasetQuotas {
  /** Per API key (by its name). */
  perKey: number;
  /** All keys together, and every upload made while authentication is off. */
  total: number;
}

export const DATASET_QUOTAS: DatasetQuotas = { perKey: 20, total: 200 };

export interface DatasetStoreOptions {
  /**
   * Where published data sets live; default the local directory the store stages uploads
   * in. Uploads are always staged and checked on the receiving host's disk first.
   */
  blobs?: Blobs;
  /** What each uploaded file may hold; default `UPLOAD_DATA_LIMITS`. */
  limits?: Partial<DataLimits>;
  quotas?: Partial<DatasetQuotas>;
}

/** A data set being received part by part; nothing is visible until `commit`. */
export interface DatasetUpload {
  add(part: DatasetPart, data: Uint8Array | Readable): Promise<void>;
  /** Validates the parts by reading them and publishes the data set under a new id. */
  commit(name?: string): Promise<DatasetMeta>;
  /** Removes the staged files; safe to call after commit or twice. */
  discard(): Promise<void>;
}

export interface DatasetInput {
  name?: string;
  /** The API key name the data set is counted against (see `DatasetQuotas`). */
  owner?: string;
  files: Partial<Record<DatasetPart, Uint8Array>>;
}

export interface DatasetStore {
  /**
   * Streams parts in (as an HTTP form arrives) without holding them in memory. Refuses with
   * DatasetQuotaError when `owner` (or the store) already holds its quota of data sets.
   */
  begin(owner?: string): Promise<DatasetUpload>;
  save(input: DatasetInput): Promise<DatasetMeta>;
  /** StoreError INVALID_ID for a malformed id, NOT_FOUND for an unknown one. */
  get(id: string): Promise<DatasetMeta>;
  /** Uploaded data sets, newest first. */
  list(): Promise<DatasetMeta[]>;
  /** The stored files as a training data source. */
  source(id: string): Promise<DataSource>;
  /**
   * Removes staging directories left by uploads whose process died (see upload-staging.ts).
   * For the API to call once at start; returns the names removed.
   */
  removeDeadUploads(): Promise<string[]>;
}

/**
 * Uploaded data sets, one directory key per id holding the files and `dataset.json`
 * (written last, with each file's SHA-256), in `options.blobs` or else under `rootDir`.
 * Uploads are staged in a hidden `.tmp-upload-*` directory under `rootDir` on the
 * receiving host, checked there, and only then published; a data set without its
 * `dataset.json` (an upload that died while publishing) is never listed nor served.
 */
export function createDatasetStore(
  rootDir: string,
  options: DatasetStoreOptions = {},
): DatasetStore {
  const root = resolve(rootDir);
  const blobs = options.blobs ?? createLocalBlobs(root);
  const limits = { ...UPLOAD_DATA_LIMITS, ...options.limits };
  const quotas = { ...DATASET_QUOTAS, ...options.quotas };
  // Commits in this process one at a time, so two uploads cannot both take the last place.
  let commits: Promise<unknown> = Promise.resolve();

  async function checkQuota(owner: string | undefined): Promise<void> {
    if (quotas.total === 0 && (quotas.perKey === 0 || owner === undefined)) return;
    const stored = await list();
    if (quotas.total > 0 && stored.length >= quotas.total) {
      throw new DatasetQuotaError(
        `the server already keeps ${stored.length} uploaded data sets, its limit of ${quotas.total}; ask an operator to remove some`,
      );
    }
    const own = owner === undefined ? 0 : stored.filter((meta) => meta.owner === owner).length;
    if (quotas.perKey > 0 && owner !== undefined && own >= quotas.perKey) {
      throw new DatasetQuotaError(
        `API key '${owner}' already has ${own} uploaded data sets, the limit of ${quotas.perKey} per key; ask an operator to remove some`,
      );
    }
  }

  async function begin(owner?: string): Promise<DatasetUpload> {
    // Checked first so a full quota is refused before the form is received, and again on commit.
    await checkQuota(owner);
    const staging = join(root, stagingName());
    await mkdir(staging, { recursive: true });
    const digests = new Map<DatasetPart, FileDigest>();
    const discard = () => rm(staging, { recursive: true, force: true });

    async function add(part: DatasetPart, data: Uint8Array | Readable): Promise<void> {
      if (digests.has(part)) throw new StoreError('INVALID_ARGUMENT', `part '${part}' given twice`);
      const path = join(staging, FILES[part]);
      digests.set(part, await writeHashed(path, data));
      await fsyncPath(path);
    }

    async function commit(name?: string): Promise<DatasetMeta> {
      try {
        const format = formatOfParts(new Set(digests.keys()));
        const { train, test } = await readParts(staging, format, limits);
        const id = `ds-${randomBytes(8).toString('hex')}`;
        const meta = describe(id, name ?? id, format, train, test, owner);
        const files = Object.fromEntries(
          [...digests].map(([part, digest]) => [FILES[part], digest]),
        );
        const publish = commits.then(async () => {
          await checkQuota(owner);
          await publishFiles(id, staging, Object.keys(files));
          await blobs.put(`${id}/${DATASET_FILE}`, JSON.stringify({ ...meta, files }, null, 2));
        });
        commits = publish.catch(() => {});
        await publish;
        await discard();
        return meta;
      } catch (err) {
        await discard();
        throw err;
      }
    }

    return { add, commit, discard };
  }

  /** Moves the staged files in; those already moved go again if one fails. */
  async function publishFiles(id: string, staging: string, names: string[]): Promise<void> {
    const moved: string[] = [];
    try {
      for (const name of names) {
        await blobs.putFile(`${id}/${name}`, join(staging, name));
        moved.push(`${id}/${name}`);
      }
    } catch (err) {
      await blobs.delete(moved).catch(() => {});
      throw err;
    }
  }

  async function save(input: DatasetInput): Promise<DatasetMeta> {
    const upload = await begin(input.owner);
    try {
      for (const [part, bytes] of Object.entries(input.files)) {
        if (!isDatasetPart(part)) {
          throw new StoreError('INVALID_ARGUMENT', `unknown dataset part '${part}'`);
        }
        if (bytes) await upload.add(part, bytes);
      }
    } catch (err) {
      await upload.discard();
      throw err;
    }
    return upload.commit(input.name);
  }

  async function record(id: string): Promise<StoredDataset> {
    const bytes = await blobs.get(`${assertId(id, 'dataset')}/${DATASET_FILE}`);
    if (!bytes) throw new StoreError('NOT_FOUND', `dataset '${id}' not found`);
    const { files, ...meta } = JSON.parse(bytes.toString('utf8')) as StoredDataset['meta'] & {
      files?: Record<string, FileDigest>;
    };
    return { meta, files: files ?? {} };
  }

  async function list(): Promise<DatasetMeta[]> {
    // Hidden `.tmp-*` staging directories never match the id pattern.
    const ids = (await blobs.children()).filter(isValidId);
    const metas = await Promise.all(ids.map((id) => get(id).catch(() => undefined)));
    return metas
      .filter((meta): meta is DatasetMeta => meta !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  async function get(id: string): Promise<DatasetMeta> {
    return (await record(id)).meta;
  }

  async function source(id: string): Promise<DataSource> {
    const { meta, files } = await record(id);
    // A data set stored before digests were recorded is read unchecked.
    const at = (part: DatasetPart) => blobs.localFile(`${id}/${FILES[part]}`, files[FILES[part]]);
    return meta.format === 'csv'
      ? { kind: 'csv', train: await at('train'), test: await at('test') }
      : {
          kind: 'idx',
          trainImages: await at('trainImages'),
          trainLabels: await at('trainLabels'),
          testImages: await at('testImages'),
          testLabels: await at('testLabels'),
        };
  }

  return {
    begin,
    save,
    get,
    list,
    source,
    removeDeadUploads: () => removeDeadStaging(root),
  };
}

interface StoredDataset {
  meta: DatasetMeta;
  /** Each file's digest, by file name. */
  files: Record<string, FileDigest>;
}

/** Writes a part to `path`, hashing it on the way. */
async function writeHashed(path: string, data: Uint8Array | Readable): Promise<FileDigest> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const input = data instanceof Uint8Array ? Readable.from([Buffer.from(data)]) : data;
  await pipeline(input, tap, createWriteStream(path));
  return { sha256: hash.digest('hex'), size };
}

/** The format the staged parts make up; they must be exactly one format's full set. */
function formatOfParts(parts: ReadonlySet<DatasetPart>): DatasetFormat {
  for (const [format, expected] of [
    ['csv', CSV_PARTS],
    ['idx', IDX_PARTS],
  ] as const) {
    if (expected.length === parts.size && expected.every((p) => parts.has(p))) return format;
  }
  throw new StoreError(
    'INVALID_ARGUMENT',
    `a dataset is either parts ${CSV_PARTS.join(', ')} (CSV) or ${IDX_PARTS.join(', ')} (IDX); got ${[...parts].join(', ') || 'none'}`,
  );
}

async function readParts(dir: string, format: DatasetFormat, limits: DataLimits) {
  const expected = format === 'csv' ? CSV_PARTS : IDX_PARTS;
  const paths = Object.fromEntries(expected.map((part) => [part, join(dir, FILES[part])]));
  const { train, test } = await explained(() => validateUpload({ format, paths, limits }));
  if (train.height !== test.height || train.width !== test.width) {
    throw new DatasetError(
      `train images are ${train.height}x${train.width} but test images are ${test.height}x${test.width}`,
    );
  }
  for (const [label, set] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (set.count === 0) throw new DatasetError(`the ${label} set holds no images`);
  }
  return { train, test };
}

/**
 * A reader's DataFormatError as DATASET_INVALID (or DATASET_TOO_LARGE for a limit), naming
 * the form part the file came from.
 */
async function explained<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (!(err instanceof DataFormatError)) throw err;
    const part = (Object.keys(FILES) as DatasetPart[]).find((key) => FILES[key] === err.file);
    const message = `part '${part ?? err.file}' is not valid: ${err.message}`;
    throw err.code === 'TOO_LARGE'
      ? new DatasetTooLargeError(message, { cause: err })
      : new DatasetError(message, { cause: err });
  }
}

function describe(
  id: string,
  name: string,
  format: DatasetFormat,
  train: DataSummary,
  test: DataSummary,
  owner: string | undefined,
): DatasetMeta {
  const classes = Math.max(train.perClass.length, test.perClass.length);
  const stats = (set: DataSummary): SetStats => ({
    count: set.count,
    perClass: Array.from({ length: classes }, (_, label) => set.perClass[label] ?? 0),
  });
  return {
    id,
    name,
    format,
    createdAt: new Date().toISOString(),
    train: stats(train),
    test: stats(test),
    height: train.height,
    width: train.width,
    classes,
    ...(owner !== undefined && { owner }),
  };
}

/** Where uploaded data sets live: under the data directory, beside Fashion-MNIST. */
export function datasetDir(config: { dataDir: string }): string {
  return join(config.dataDir, 'datasets');
}

/** Whether a training job may name a data set: the built-in one, or an upload that exists. */
export function datasetExists(store: DatasetStore): (id: string) => Promise<boolean> {
  return async (id) => {
    if (id === BUILT_IN_DATASET) return true;
    try {
      await store.get(id);
      return true;
    } catch (err) {
      if (err instanceof StoreError) return false;
      throw err;
    }
  };
}

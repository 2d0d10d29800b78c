import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataSource } from '../data/data-source.js';
import {
  BUILT_IN_DATASET,
  DataFormatError,
  type DataLimits,
  type DataSummary,
  UPLOAD_DATA_LIMITS,
} from '../data/index.js';
import { fsyncPath, writeFileAtomic } from './atomic.js';
import { DatasetError, DatasetQuotaError, DatasetTooLargeError } from './dataset-errors.js';
import { validateUpload } from './dataset-validation.js';
import { assertId, isValidId } from './ids.js';
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
 * Uploaded data sets, one directory per id under `rootDir` holding the files and
 * `dataset.json`. Uploads are staged in a hidden `.tmp-*` sibling and appear by rename,
 * so list() and get() never see a partial or unvalidated data set.
 */
export function createDatasetStore(
  rootDir: string,
  options: DatasetStoreOptions = {},
): DatasetStore {
  const root = resolve(rootDir);
  const limits = { ...UPLOAD_DATA_LIMITS, ...options.limits };
  const quotas = { ...DATASET_QUOTAS, ...options.quotas };
  // Commits in this process one at a time, so two uploads cannot both take the last place.
  let commits: Promise<unknown> = Promise.resolve();

  // The id pattern admits no '.', '/' or '\', so the joined path always stays under root.
  const dirOf = (id: string) => join(root, assertId(id, 'dataset'));

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
    const parts = new Set<DatasetPart>();
    const discard = () => rm(staging, { recursive: true, force: true });

    async function add(part: DatasetPart, data: Uint8Array | Readable): Promise<void> {
      if (parts.has(part)) throw new StoreError('INVALID_ARGUMENT', `part '${part}' given twice`);
      parts.add(part);
      const path = join(staging, FILES[part]);
      const out = createWriteStream(path);
      if (data instanceof Uint8Array) out.end(data);
      await (data instanceof Uint8Array ? finished(out) : pipeline(data, out));
      await fsyncPath(path);
    }

    async function commit(name?: string): Promise<DatasetMeta> {
      try {
        const format = formatOfParts(parts);
        const { train, test } = await readParts(staging, format, limits);
        const id = `ds-${randomBytes(8).toString('hex')}`;
        const meta = describe(id, name ?? id, format, train, test, owner);
        await writeFileAtomic(join(staging, DATASET_FILE), JSON.stringify(meta, null, 2));
        const publish = commits.then(async () => {
          await checkQuota(owner);
          await rename(staging, join(root, id));
          await fsyncPath(dirname(staging));
        });
        commits = publish.catch(() => {});
        await publish;
        return meta;
      } catch (err) {
        await discard();
        throw err;
      }
    }

    return { add, commit, discard };
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

  async function get(id: string): Promise<DatasetMeta> {
    const dir = dirOf(id);
    try {
      return JSON.parse(await readFile(join(dir, DATASET_FILE), 'utf8')) as DatasetMeta;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StoreError('NOT_FOUND', `dataset '${id}' not found`);
      }
      throw err;
    }
  }

  async function list(): Promise<DatasetMeta[]> {
    const entries = await readdir(root, { withFileTypes: true }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [];
        throw err;
      },
    );
    // Hidden `.tmp-*` staging directories never match the id pattern.
    const ids = entries.filter((e) => e.isDirectory() && isValidId(e.name)).map((e) => e.name);
    const metas = await Promise.all(ids.map((id) => get(id).catch(() => undefined)));
    return metas
      .filter((meta): meta is DatasetMeta => meta !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  async function source(id: string): Promise<DataSource> {
    const meta = await get(id);
    const dir = dirOf(id);
    const at = (part: DatasetPart) => join(dir, FILES[part]);
    return meta.format === 'csv'
      ? { kind: 'csv', train: at('train'), test: at('test') }
      : {
          kind: 'idx',
          trainImages: at('trainImages'),
          trainLabels: at('trainLabels'),
          testImages: at('testImages'),
          testLabels: at('testLabels'),
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

function finished(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((done, fail) => {
    stream.on('finish', done);
    stream.on('error', fail);
  });
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

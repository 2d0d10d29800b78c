import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  countPerClass,
  DataFormatError,
  type LabelledImageSet,
  readFashionCsv,
  readIdxPair,
} from '../data/index.js';
import type { DataSource } from '../training/data-source.js';
import { fsyncPath, writeFileAtomic } from './atomic.js';
import { assertId, isValidId } from './ids.js';
import { StoreError } from './store-errors.js';

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
}

/** An uploaded data set failed validation; the message names the part and the reader's fault. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly code = 'DATASET_INVALID';
  readonly statusCode = 400;
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
  files: Partial<Record<DatasetPart, Uint8Array>>;
}

export interface DatasetStore {
  /** Streams parts in (as an HTTP form arrives) without holding them in memory. */
  begin(): Promise<DatasetUpload>;
  save(input: DatasetInput): Promise<DatasetMeta>;
  /** StoreError INVALID_ID for a malformed id, NOT_FOUND for an unknown one. */
  get(id: string): Promise<DatasetMeta>;
  /** Uploaded data sets, newest first. */
  list(): Promise<DatasetMeta[]>;
  /** The stored files as a training data source. */
  source(id: string): Promise<DataSource>;
}

/**
 * Uploaded data sets, one directory per id under `rootDir` holding the files and
 * `dataset.json`. Uploads are staged in a hidden `.tmp-*` sibling and appear by rename,
 * so list() and get() never see a partial or unvalidated data set.
 */
export function createDatasetStore(rootDir: string): DatasetStore {
  const root = resolve(rootDir);

  // The id pattern admits no '.', '/' or '\', so the joined path always stays under root.
  const dirOf = (id: string) => join(root, assertId(id, 'dataset'));

  async function begin(): Promise<DatasetUpload> {
    const staging = join(root, `.tmp-upload-${randomBytes(6).toString('hex')}`);
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
        const { train, test } = await readParts(staging, format);
        const id = `ds-${randomBytes(8).toString('hex')}`;
        const meta = describe(id, name ?? id, format, train, test);
        await writeFileAtomic(join(staging, DATASET_FILE), JSON.stringify(meta, null, 2));
        await rename(staging, join(root, id));
        await fsyncPath(dirname(staging));
        return meta;
      } catch (err) {
        await discard();
        throw err;
      }
    }

    return { add, commit, discard };
  }

  async function save(input: DatasetInput): Promise<DatasetMeta> {
    const upload = await begin();
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

  return { begin, save, get, list, source };
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

async function readParts(dir: string, format: DatasetFormat) {
  const at = (part: DatasetPart) => join(dir, FILES[part]);
  // One after the other: each set can be large, and the first fault is the one reported.
  const train = await explained(() =>
    format === 'csv'
      ? readFashionCsv(at('train'))
      : readIdxPair(at('trainImages'), at('trainLabels')),
  );
  const test = await explained(() =>
    format === 'csv' ? readFashionCsv(at('test')) : readIdxPair(at('testImages'), at('testLabels')),
  );
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

/** A reader's DataFormatError as DATASET_INVALID, naming the form part the file came from. */
async function explained(load: () => Promise<LabelledImageSet>): Promise<LabelledImageSet> {
  try {
    return await load();
  } catch (err) {
    if (!(err instanceof DataFormatError)) throw err;
    const part = (Object.keys(FILES) as DatasetPart[]).find((key) => FILES[key] === err.file);
    throw new DatasetError(`part '${part ?? err.file}' is not valid: ${err.message}`, {
      cause: err,
    });
  }
}

function describe(
  id: string,
  name: string,
  format: DatasetFormat,
  train: LabelledImageSet,
  test: LabelledImageSet,
): DatasetMeta {
  const classes = Math.max(countPerClass(train.labels).length, countPerClass(test.labels).length);
  const stats = (set: LabelledImageSet): SetStats => ({
    count: set.count,
    perClass: countPerClass(set.labels, classes),
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

export const BUILT_IN_DATASET = 'fashion-mnist';

import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingData } from '../../src/data/data-source.js';
import { countPerClass, type LabelledImageSet } from '../../src/data/index.js';
import { createDatasetStore, DatasetError } from '../../src/store/dataset-store.js';
import { StoreError } from '../../src/store/store-errors.js';
import { gzip } from '../data/support/idx-bytes.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { csvText, firstRealImages, idxOf } from '../support/dataset-files.js';
import { rejection } from './rejection.js';

const tempDir = useTempDirs();

let train: LabelledImageSet;
let test: LabelledImageSet;

beforeAll(async () => {
  ({ train, test } = await firstRealImages(200, 100));
});

async function newStore() {
  const root = join(await tempDir(), 'datasets');
  return { root, store: createDatasetStore(root) };
}

describe('dataset store', () => {
  it('stores a CSV pair (one gzipped), with counts per class, and serves it as a source', async () => {
    const { root, store } = await newStore();
    const meta = await store.save({
      name: 'small csv',
      files: { train: gzip(csvText(train)), test: Buffer.from(csvText(test)) },
    });
    expect(meta).toMatchObject({
      name: 'small csv',
      format: 'csv',
      height: 28,
      width: 28,
      classes: 10,
      train: { count: 200, perClass: countPerClass(train.labels, 10) },
      test: { count: 100, perClass: countPerClass(test.labels, 10) },
    });
    expect(meta.id).toMatch(/^ds-[0-9a-f]{16}$/);
    expect(await store.get(meta.id)).toEqual(meta);
    expect((await readdir(root)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    const source = await store.source(meta.id);
    expect(source.kind).toBe('csv');
    const loaded = await loadTrainingData(source, { testPerClass: 2 });
    expect(loaded.train.count + loaded.test.count).toBe(200);
    expect(loaded.val.count).toBe(100);
    expect(Array.from(loaded.val.labels)).toEqual(Array.from(test.labels));
  });

  it('stores four IDX files and lists data sets newest first', async () => {
    const { store } = await newStore();
    const first = await store.save({
      files: { train: Buffer.from(csvText(train)), test: Buffer.from(csvText(test)) },
    });
    await new Promise((done) => setTimeout(done, 5));
    const t = idxOf(train);
    const v = idxOf(test);
    const second = await store.save({
      files: {
        trainImages: gzip(t.images),
        trainLabels: t.labels,
        testImages: v.images,
        testLabels: gzip(v.labels),
      },
    });
    expect(second).toMatchObject({
      name: second.id,
      format: 'idx',
      train: { count: 200, perClass: countPerClass(train.labels, 10) },
      test: { count: 100, perClass: countPerClass(test.labels, 10) },
    });
    expect((await store.list()).map((d) => d.id)).toEqual([second.id, first.id]);

    const loaded = await loadTrainingData(await store.source(second.id), { testPerClass: 2 });
    expect(loaded.train.count + loaded.test.count).toBe(200);
    expect(loaded.val.count).toBe(100);
  });

  it('refuses a truncated IDX file with the reader message, naming the part, and keeps nothing', async () => {
    const { root, store } = await newStore();
    const t = idxOf(train);
    const v = idxOf(test);
    const err = await rejection(
      store.save({
        files: {
          trainImages: t.images.subarray(0, t.images.length - 100),
          trainLabels: t.labels,
          testImages: v.images,
          testLabels: v.labels,
        },
      }),
      Error,
    );
    expect(err).toBeInstanceOf(DatasetError);
    expect(err).toMatchObject({ code: 'DATASET_INVALID' });
    expect(err.message).toMatch(/^part 'trainImages' is not valid: train-images-idx3-ubyte: /);
    expect(err.message).toMatch(/truncated|ends/i);
    expect(await store.list()).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a CSV with a bad row, naming the part and line', async () => {
    const { store } = await newStore();
    const bad = csvText(test).replace(/\n(\d),/, '\n$1,x');
    const err = await rejection(
      store.save({ files: { train: Buffer.from(csvText(train)), test: Buffer.from(bad) } }),
      Error,
    );
    expect(err).toMatchObject({ code: 'DATASET_INVALID' });
    expect(err.message).toMatch(/^part 'test' is not valid: test\.csv: line 2: /);
  });

  it('refuses an incomplete or mixed set of parts', async () => {
    const { store } = await newStore();
    const err = await rejection(
      store.save({ files: { train: Buffer.from(csvText(train)) } }),
      Error,
    );
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('answers NOT_FOUND for an unknown id and INVALID_ID for hostile ones', async () => {
    const { store } = await newStore();
    expect(await rejection(store.get('ds-0000'), Error)).toMatchObject({
      code: 'NOT_FOUND',
    });
    const hostile = ['../etc', '..', '.tmp-x', 'a/b', '', 'x\n', 'a\u0000b', 'é', 'x'.repeat(65)];
    for (const id of hostile) {
      for (const call of [() => store.get(id), () => store.source(id)]) {
        const err = await rejection(call(), Error);
        expect(err).toBeInstanceOf(StoreError);
        expect(err).toMatchObject({ code: 'INVALID_ID' });
        expect(err.message).toMatch(/^invalid dataset id .*: must be 1-64 characters of A-Z/);
      }
    }
    await expect(store.source('ds-0000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists only published data sets', async () => {
    const { root, store } = await newStore();
    await store.save({
      files: { train: Buffer.from(csvText(train)), test: Buffer.from(csvText(test)) },
    });
    await writeFile(join(root, 'stray'), 'not a directory');
    await mkdir(join(root, 'ds-unpublished'));
    expect(await store.list()).toHaveLength(1);
  });
});

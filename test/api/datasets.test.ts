import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { loadTrainingData } from '../../src/data/data-source.js';
import { countPerClass, type LabelledImageSet } from '../../src/data/index.js';
import { createDatasetStore, type DatasetStore } from '../../src/store/dataset-store.js';
import { gzip } from '../data/support/idx-bytes.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { csvText, firstRealImages, idxOf } from '../support/dataset-files.js';
import { buildTestApp } from './helper.js';

const tempDir = useTempDirs();

interface Body {
  error?: { code: string; message: string };
  [key: string]: unknown;
}

let train: LabelledImageSet;
let test: LabelledImageSet;
let store: DatasetStore;
let storeRoot: string;
let app: App;
let bare: App;

beforeAll(async () => {
  ({ train, test } = await firstRealImages(200, 100));

  storeRoot = join(await tempDir(), 'datasets');
  store = createDatasetStore(storeRoot);
  app = buildTestApp({
    datasets: store,
    dataDir: await tempDir(),
    datasetRoutes: { limits: { fileSize: 1024 * 1024 } },
  });
  await app.ready();
  // No store, and no Fashion-MNIST where it looks.
  bare = buildTestApp({ dataDir: await tempDir(), datasetRoutes: { systemDirs: [] } });
  await bare.ready();
});

afterAll(async () => {
  await app?.close();
  await bare?.close();
});

const post = () => request(app.server).post('/v1/datasets');
const csvUpload = () =>
  post()
    .attach('train', gzip(csvText(train)), 'fashion-mnist_train.csv.gz')
    .attach('test', Buffer.from(csvText(test)), 'fashion-mnist_test.csv');

function idxUpload(trainImages = idxOf(train).images) {
  const v = idxOf(test);
  return post()
    .attach('trainImages', gzip(trainImages), 'train-images-idx3-ubyte.gz')
    .attach('trainLabels', idxOf(train).labels, 'train-labels-idx1-ubyte')
    .attach('testImages', v.images, 't10k-images-idx3-ubyte')
    .attach('testLabels', gzip(v.labels), 't10k-labels-idx1-ubyte.gz');
}

const expectedCounts = () => ({
  train: { count: 200, perClass: countPerClass(train.labels, 10) },
  test: { count: 100, perClass: countPerClass(test.labels, 10) },
  height: 28,
  width: 28,
  classes: 10,
});

describe('POST /v1/datasets', () => {
  it('stores CSV files, answers 201 with counts per class and a location', async () => {
    const res = await csvUpload().field('name', 'first 200').expect(201);
    const body = res.body as Body;
    expect(body).toMatchObject({
      name: 'first 200',
      format: 'csv',
      builtIn: false,
      available: true,
      ...expectedCounts(),
    });
    expect(res.headers.location).toBe(`/v1/datasets/${body.id}`);
    const loaded = await loadTrainingData(await store.source(String(body.id)), {
      testPerClass: 2,
    });
    expect(loaded.train.count + loaded.test.count).toBe(200);
    expect(loaded.val.count).toBe(100);
  });

  it('stores IDX files', async () => {
    const res = await idxUpload().expect(201);
    expect(res.body).toMatchObject({ format: 'idx', ...expectedCounts() });
    const id = String((res.body as Body).id);
    const loaded = await loadTrainingData(await store.source(id), { testPerClass: 2 });
    expect(loaded.train.count + loaded.test.count).toBe(200);
  });

  it("answers 400 with the reader's message for a truncated IDX file", async () => {
    const images = idxOf(train).images;
    const res = await idxUpload(images.subarray(0, images.length - 1000)).expect(400);
    expect((res.body as Body).error?.code).toBe('DATASET_INVALID');
    expect((res.body as Body).error?.message).toMatch(
      /^part 'trainImages' is not valid: train-images-idx3-ubyte: .*truncated/,
    );
  });

  it("answers 400 with the reader's message for a CSV with a bad row", async () => {
    const rows = csvText(train).split('\n');
    rows[3] = `${rows[3]},7`;
    const res = await post()
      .attach('train', Buffer.from(rows.join('\n')), 'train.csv')
      .attach('test', Buffer.from(csvText(test)), 'test.csv')
      .expect(400);
    expect((res.body as Body).error).toMatchObject({ code: 'DATASET_INVALID' });
    expect((res.body as Body).error?.message).toMatch(
      /^part 'train' is not valid: train\.csv: line 4: /,
    );
  });

  it('answers 400 for a missing, unknown or mixed part', async () => {
    const missing = await post()
      .attach('train', Buffer.from(csvText(train)), 'train.csv')
      .expect(400);
    expect((missing.body as Body).error?.message).toMatch(/^missing part\(s\) 'test'/);

    const unknown = await post().attach('images', Buffer.from('x'), 'x.bin').expect(400);
    expect((unknown.body as Body).error?.message).toMatch(/^unknown file part 'images'/);

    const mixed = await post()
      .attach('train', Buffer.from(csvText(train)), 'train.csv')
      .attach('testImages', idxOf(test).images, 'x')
      .expect(400);
    expect((mixed.body as Body).error?.message).toMatch(/mixed with 'train'/);

    const empty = await post().field('name', 'nothing').expect(400);
    expect((empty.body as Body).error?.message).toMatch(/^the form holds no data files/);
  });

  it('answers 413 for a file over the limit and 415 for a body that is not a form', async () => {
    const big = await post()
      .attach('train', Buffer.alloc(1024 * 1024 + 1, 0x30), 'train.csv')
      .attach('test', Buffer.from(csvText(test)), 'test.csv')
      .expect(413);
    expect((big.body as Body).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });

    const json = await post().send({ train: 'x' }).expect(415);
    expect((json.body as Body).error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('leaves no staged files behind after refused uploads', async () => {
    const names = await readdir(storeRoot);
    expect(names.filter((name) => name.startsWith('.'))).toEqual([]);
    expect(names).toHaveLength(2);
  });

  it('answers 503 without a store', async () => {
    await request(bare.server)
      .post('/v1/datasets')
      .attach('train', Buffer.from('x'), 'x.csv')
      .expect(503);
  });
});

describe('GET /v1/datasets', () => {
  it('lists the built-in set first, then uploads newest first', async () => {
    const res = await request(app.server).get('/v1/datasets').expect(200);
    const items = (res.body as { items: Body[] }).items;
    expect(items[0]).toMatchObject({
      id: 'fashion-mnist',
      builtIn: true,
      available: true,
      train: { count: 60000 },
      test: { count: 10000 },
    });
    const uploaded = items.slice(1);
    expect(uploaded.map((d) => d.id)).toEqual((await store.list()).map((d) => d.id));
    expect(uploaded.map((d) => d.format)).toEqual(['idx', 'csv']);
  });

  it('says when the built-in set is not on disk', async () => {
    const res = await request(bare.server).get('/v1/datasets').expect(200);
    expect((res.body as { items: Body[] }).items).toEqual([
      {
        id: 'fashion-mnist',
        name: 'Fashion-MNIST',
        format: 'fashion-mnist',
        builtIn: true,
        available: false,
        links: { self: '/v1/datasets/fashion-mnist' },
      },
    ]);
  });

  it('gets one data set, 404 for an unknown id and 400 for a hostile one', async () => {
    const [newest] = await store.list();
    const res = await request(app.server).get(`/v1/datasets/${newest?.id}`).expect(200);
    expect(res.body).toMatchObject({ ...newest, links: { self: `/v1/datasets/${newest?.id}` } });
    await request(app.server).get('/v1/datasets/fashion-mnist').expect(200);

    const unknown = await request(app.server).get('/v1/datasets/ds-0000').expect(404);
    expect((unknown.body as Body).error?.code).toBe('NOT_FOUND');
    const hostile = await request(app.server).get('/v1/datasets/..%2Fetc').expect(400);
    expect((hostile.body as Body).error?.code).toBe('INVALID_ID');
  });
});

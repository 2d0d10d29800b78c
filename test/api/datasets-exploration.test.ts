import { join } from 'node:path';
import { PNG } from 'pngjs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type LoadedData, loadTrainingData } from '../../src/data/data-source.js';
import {
  CLASS_NAMES,
  type LabelledImageSet,
  readIdxPair,
  SYSTEM_FASHION_MNIST_DIRS,
} from '../../src/data/index.js';
import { GAP_GREY, GRID_GAP } from '../../src/exploration/image-grid.js';
import { createDatasetStore } from '../../src/store/dataset-store.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { firstRealImages, idxOf } from '../support/dataset-files.js';
import { buildTestApp } from './helper.js';

const FASHION = SYSTEM_FASHION_MNIST_DIRS[0] as string;
const tempDir = useTempDirs();

interface Split {
  count: number;
  perClass: { label: number; className: string; count: number; fraction: number }[];
}
interface Stats {
  id: string;
  classNames: string[];
  splits: Record<'train' | 'val' | 'test', Split>;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { path: string }[] };
}

let app: App;
let bare: App;
/** The official files, read here without the code under test. */
let official: { train: LabelledImageSet; t10k: LabelledImageSet };
/** An uploaded data set: the first 200 training and 100 test images, as IDX files. */
let uploaded: { id: string; train: LabelledImageSet; test: LabelledImageSet };
/** The upload split with testPerClass 5, as a training job would split it. */
let uploadedSplit: LoadedData;

beforeAll(async () => {
  const store = createDatasetStore(join(await tempDir(), 'datasets'));
  const { train, test } = await firstRealImages(200, 100);
  const meta = await store.save({
    name: 'first 200',
    files: {
      trainImages: idxOf(train).images,
      trainLabels: idxOf(train).labels,
      testImages: idxOf(test).images,
      testLabels: idxOf(test).labels,
    },
  });
  uploaded = { id: meta.id, train, test };
  uploadedSplit = await loadTrainingData(await store.source(meta.id), { testPerClass: 5 });
  official = {
    train: await readIdxPair(
      join(FASHION, 'train-images-idx3-ubyte.gz'),
      join(FASHION, 'train-labels-idx1-ubyte.gz'),
    ),
    t10k: await readIdxPair(
      join(FASHION, 't10k-images-idx3-ubyte.gz'),
      join(FASHION, 't10k-labels-idx1-ubyte.gz'),
    ),
  };
  // The built-in set is found in the system directory, as on a server with Debian's package.
  app = buildTestApp({ datasets: store, dataDir: await tempDir() });
  await app.ready();
  // No store, and no Fashion-MNIST where it looks.
  bare = buildTestApp({ dataDir: await tempDir(), datasetRoutes: { systemDirs: [] } });
  await bare.ready();
});

afterAll(async () => {
  await app?.close();
  await bare?.close();
});

const get = (url: string) => request(app.server).get(url);

/** Images per label, counted with a plain loop. */
function countLabels(labels: Uint8Array, classes = 10): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

function expectConsistent(split: Split, names: readonly string[]) {
  expect(split.perClass.map((c) => c.label)).toEqual([...names.keys()]);
  expect(split.perClass.map((c) => c.className)).toEqual([...names]);
  expect(split.perClass.reduce((sum, c) => sum + c.count, 0)).toBe(split.count);
  for (const c of split.perClass) expect(c.fraction).toBeCloseTo(c.count / split.count, 12);
}

const countsOf = (split: Split) => split.perClass.map((c) => c.count);

/** A PNG answer decoded; `gray(x, y)` reads a pixel that must be grey (r = g = b, opaque). */
function decode(body: Buffer) {
  const png = PNG.sync.read(body);
  const gray = (x: number, y: number) => {
    const i = (y * png.width + x) * 4;
    const [r, g, b, a] = png.data.subarray(i, i + 4);
    if (r !== g || g !== b || a !== 255) throw new Error(`pixel ${x},${y} is not grey`);
    return r as number;
  };
  return { width: png.width, height: png.height, gray };
}

const imageOf = (set: LabelledImageSet, row: number) =>
  set.images.subarray(row * 784, (row + 1) * 784);

/** Every pixel of a decoded PNG region against `image` enlarged `scale` times. */
function expectCell(
  png: ReturnType<typeof decode>,
  left: number,
  top: number,
  image: Uint8Array,
  scale: number,
) {
  for (let y = 0; y < 28 * scale; y++) {
    for (let x = 0; x < 28 * scale; x++) {
      const want = image[Math.floor(y / scale) * 28 + Math.floor(x / scale)];
      const got = png.gray(left + x, top + y);
      if (got !== want) expect({ left, top, x, y, got }).toEqual({ left, top, x, y, got: want });
    }
  }
}

/** Rows of each label in set order, found by a plain scan. */
const firstOfClass = (set: LabelledImageSet, label: number, n: number) =>
  [...set.labels.keys()].filter((row) => set.labels[row] === label).slice(0, n);

describe('GET /v1/datasets/:id/stats', () => {
  it("counts the built-in set's splits as training makes them, cheaply the second time", async () => {
    const body = (await get('/v1/datasets/fashion-mnist/stats').expect(200)).body as Stats;
    expect(body.id).toBe('fashion-mnist');
    expect(body.classNames).toEqual(CLASS_NAMES);
    for (const split of Object.values(body.splits)) expectConsistent(split, CLASS_NAMES);
    // val is the official t10k set; test draws 1,000 per class from the 60,000, train is the rest.
    expect(body.splits.val.count).toBe(10_000);
    expect(countsOf(body.splits.val)).toEqual(countLabels(official.t10k.labels));
    expect(body.splits.test.count).toBe(10_000);
    expect(countsOf(body.splits.test)).toEqual(new Array(10).fill(1000));
    expect(body.splits.train.count).toBe(50_000);
    const trainAndTest = countsOf(body.splits.train).map(
      (n, label) => n + (countsOf(body.splits.test)[label] as number),
    );
    expect(trainAndTest).toEqual(countLabels(official.train.labels));

    expect((await get('/v1/datasets/fashion-mnist/stats').expect(200)).body).toEqual(body);
  });

  it("counts an upload's splits with the testPerClass training would need", async () => {
    const res = await get(`/v1/datasets/${uploaded.id}/stats?testPerClass=5`).expect(200);
    const body = res.body as Stats;
    const names = Array.from({ length: 10 }, (_, i) => String(i));
    expect(body.classNames).toEqual(names);
    for (const split of Object.values(body.splits)) expectConsistent(split, names);
    expect(countsOf(body.splits.val)).toEqual(countLabels(uploaded.test.labels));
    expect(countsOf(body.splits.test)).toEqual(new Array(10).fill(5));
    expect(countsOf(body.splits.train)).toEqual(
      countLabels(uploaded.train.labels).map((n) => n - 5),
    );
    expect(body.splits.train.count + body.splits.test.count).toBe(200);
  });

  it('answers 422 when the data set is too small for the test split, naming the fix', async () => {
    const res = await get(`/v1/datasets/${uploaded.id}/stats`).expect(422);
    expect((res.body as ErrorBody).error.code).toBe('SPLIT_UNAVAILABLE');
    expect((res.body as ErrorBody).error.message).toMatch(
      /^label \d has only \d+ rows, fewer than the 1000 per class requested for the test split; ask with a smaller 'testPerClass'/,
    );
  });
});

describe('GET /v1/datasets/:id/samples.png', () => {
  it('draws the first images of each class of the split, one row per class', async () => {
    const split = uploadedSplit;
    for (const [name, scale, perClass] of [
      ['train', 1, 20],
      ['test', 3, 5],
      ['val', 2, 4],
    ] as const) {
      const res = await get(
        `/v1/datasets/${uploaded.id}/samples.png?split=${name}&perClass=${perClass}&scale=${scale}&testPerClass=5`,
      ).expect(200);
      expect(res.headers['content-type']).toBe('image/png');
      const png = decode(res.body as Buffer);
      const cell = 28 * scale + GRID_GAP;
      expect(png.width).toBe(perClass * cell - GRID_GAP);
      expect(png.height).toBe(10 * cell - GRID_GAP);
      const set = split[name];
      for (let label = 0; label < 10; label++) {
        const rows = firstOfClass(set, label, perClass);
        for (let c = 0; c < perClass; c++) {
          const row = rows[c];
          // A class with fewer images than cells leaves the rest black.
          const image = row === undefined ? new Uint8Array(784) : imageOf(set, row);
          expectCell(png, c * cell, label * cell, image, scale);
        }
      }
      expect(png.gray(28 * scale, 0)).toBe(GAP_GREY);
      expect(png.gray(0, 28 * scale + 1)).toBe(GAP_GREY);
    }
  });

  it("draws the built-in set's val split (t10k) with 5 images per class at scale 2 by default", async () => {
    const res = await get('/v1/datasets/fashion-mnist/samples.png?split=val').expect(200);
    const png = decode(res.body as Buffer);
    const cell = 56 + GRID_GAP;
    expect([png.width, png.height]).toEqual([5 * cell - GRID_GAP, 10 * cell - GRID_GAP]);
    for (let label = 0; label < 10; label++) {
      firstOfClass(official.t10k, label, 5).forEach((row, c) => {
        expectCell(png, c * cell, label * cell, imageOf(official.t10k, row), 2);
      });
    }
    const again = await get('/v1/datasets/fashion-mnist/samples.png?split=val').expect(200);
    expect(Buffer.compare(again.body as Buffer, res.body as Buffer)).toBe(0);
  });
});

describe('GET /v1/datasets/:id/images/:split/:index.png', () => {
  it('answers one image of the data set as stored, with its label', async () => {
    const res = await get('/v1/datasets/fashion-mnist/images/val/3.png?scale=4').expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-label']).toBe(String(official.t10k.labels[3]));
    const png = decode(res.body as Buffer);
    expect([png.width, png.height]).toEqual([112, 112]);
    expectCell(png, 0, 0, imageOf(official.t10k, 3), 4);

    for (const name of ['train', 'test'] as const) {
      const set = uploadedSplit[name];
      const index = set.count - 1;
      const one = await get(
        `/v1/datasets/${uploaded.id}/images/${name}/${index}.png?scale=1&testPerClass=5`,
      ).expect(200);
      expect(one.headers['x-label']).toBe(String(set.labels[index]));
      const image = decode(one.body as Buffer);
      expect([image.width, image.height]).toEqual([28, 28]);
      expectCell(image, 0, 0, imageOf(set, index), 1);
    }
  });

  it('answers 404 NOT_FOUND with the valid range for an index past the end', async () => {
    const res = await get('/v1/datasets/fashion-mnist/images/val/10000.png').expect(404);
    expect((res.body as ErrorBody).error).toMatchObject({
      code: 'NOT_FOUND',
      message: "no image 10000 in the 'val' split of 'fashion-mnist'; valid indices are 0-9999",
    });
  });
});

describe('refused requests', () => {
  it('answers 404 for an unknown data set and 400 for a malformed id', async () => {
    for (const path of ['stats', 'samples.png', 'images/train/0.png']) {
      const unknown = await get(`/v1/datasets/ds-0123456789abcdef/${path}`).expect(404);
      expect((unknown.body as ErrorBody).error.code).toBe('NOT_FOUND');
      const malformed = await get(`/v1/datasets/bad.id/${path}`).expect(400);
      expect((malformed.body as ErrorBody).error.code).toBe('INVALID_ID');
    }
  });

  it('answers 400 naming the parameter for a bad split, perClass, scale or index', async () => {
    const cases: [string, string][] = [
      ['/v1/datasets/fashion-mnist/samples.png?split=training', '/querystring/split'],
      ['/v1/datasets/fashion-mnist/images/training/0.png', '/params/split'],
      ['/v1/datasets/fashion-mnist/samples.png?perClass=0', '/querystring/perClass'],
      ['/v1/datasets/fashion-mnist/samples.png?perClass=21', '/querystring/perClass'],
      ['/v1/datasets/fashion-mnist/samples.png?scale=0', '/querystring/scale'],
      ['/v1/datasets/fashion-mnist/samples.png?scale=9', '/querystring/scale'],
      ['/v1/datasets/fashion-mnist/images/val/0.png?scale=9', '/querystring/scale'],
      ['/v1/datasets/fashion-mnist/images/val/-1.png', '/params/index'],
      ['/v1/datasets/fashion-mnist/images/val/1.5.png', '/params/index'],
      ['/v1/datasets/fashion-mnist/stats?testPerClass=0', '/querystring/testPerClass'],
      ['/v1/datasets/fashion-mnist/stats?size=3', '/querystring/size'],
    ];
    for (const [url, path] of cases) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect((res.body as ErrorBody).error.code, url).toBe('VALIDATION_FAILED');
      expect((res.body as ErrorBody).error.details?.[0]?.path, url).toBe(path);
    }
  });

  it('answers 503 when the built-in set is not on disk or uploads are not configured', async () => {
    const builtIn = await request(bare.server).get('/v1/datasets/fashion-mnist/stats').expect(503);
    expect((builtIn.body as ErrorBody).error.message).toMatch(/not on this server's disk/);
    await request(bare.server).get(`/v1/datasets/${uploaded.id}/samples.png`).expect(503);
  });
});

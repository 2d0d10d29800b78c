import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { buildTestApp } from '../api/helper.js';
import { imageAt, loadTestImages, sampleIndices } from '../inference/support/fashion-images.js';
import {
  hasChromium,
  launchChromium,
  warnWithoutChromium,
  watchProblems,
} from '../reports/chromium.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerSpreadModel } from './support.js';

// The exported model.json in a real browser: TF.js' own UMD bundles on a page of the API's
// origin, loading the model by URL as a web app would.
warnWithoutChromium();

const SPEC = parseSpec({
  conv: [{ channels: 4, pool: 2 }],
  dense: [{ neurons: 16, dropout: 0.5 }, {}],
});
const BUNDLES: Record<string, string> = {
  'tf-core.js': 'node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js',
  'tf-backend-cpu.js': 'node_modules/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.min.js',
  'tf-layers.js': 'node_modules/@tensorflow/tfjs-layers/dist/tf-layers.min.js',
};
const PAGE = `<!doctype html><html><body>${Object.keys(BUNDLES)
  .map((name) => `<script src="/test-assets/${name}"></script>`)
  .join('')}</body></html>`;

const { redis, prefix } = useRedisPrefix('export-browser');
let dir: string;
let app: App;
let base: string;
let browser: Browser;
let model: LayersModel;

beforeAll(async () => {
  if (!hasChromium) return;
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-export-browser-'));
  const registry = createModelRegistry({ redis, prefix });
  const store = createFileArtifactStore(join(dir, 'store'));
  model = await registerSpreadModel({ registry, store }, SPEC, 'browser-a', 31);
  await registry.setAlias('web', 'browser-a');
  app = buildTestApp({ models: { registry, store } });
  app.get('/test-page', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html').send(PAGE),
  );
  // Chromium asks for one on the first page.
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.code(204).send());
  app.get<{ Params: { name: string } }>(
    '/test-assets/:name',
    { schema: { hide: true } },
    async (request, reply) =>
      reply.type('text/javascript').send(await readFile(BUNDLES[request.params.name] as string)),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  model?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('TF.js export in Chromium', () => {
  it.each([
    ['by id', '/v1/models/browser-a/export/tfjs/model.json'],
    ['through an alias', '/v1/models/web/export/tfjs/model.json'],
  ])('tf.loadLayersModel loads it %s and predicts as tailor does', async (_how, url) => {
    const set = await loadTestImages();
    const images = sampleIndices(set, 8).map((i) => imageAt(set, i));
    const pixels = images.flatMap((image) => Array.from(image, (v) => v / 255));
    const want = tf.tidy(() =>
      Array.from(
        (model.predict(tf.tensor4d(pixels, [images.length, 28, 28, 1])) as tf.Tensor).dataSync(),
      ),
    );

    const page = await browser.newPage();
    const problems = watchProblems(page);
    await page.goto(`${base}/test-page`, { waitUntil: 'load' });
    const got = await page.evaluate(
      async ({ url, pixels, count }) => {
        const tfjs = Reflect.get(globalThis, 'tf');
        await tfjs.setBackend('cpu');
        const loaded = await tfjs.loadLayersModel(url);
        const x = tfjs.tensor4d(pixels, [count, 28, 28, 1]);
        return Array.from(loaded.predict(x).dataSync() as Float32Array);
      },
      { url, pixels, count: images.length },
    );
    await page.close();
    expect(problems).toEqual([]);
    expect(got).toHaveLength(want.length);
    expect(Math.max(...got.map((v, i) => Math.abs(v - (want[i] as number))))).toBeLessThan(1e-5);
  });
});

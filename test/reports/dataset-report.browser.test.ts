import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { createDatasetStore } from '../../src/store/dataset-store.js';
import { testDeps } from '../api/helper.js';
import {
  hasChromium,
  keepScreenshot,
  launchChromium,
  VIEWPORT,
  warnWithoutChromium,
  watchProblems,
} from './chromium.js';

// The built-in Fashion-MNIST's report from the API on a real port, opened in headless Chromium:
// the counts come from the statistics route and the sample grids from the PNG route.
warnWithoutChromium();

interface SplitCounts {
  count: number;
  perClass: { label: number; className: string; count: number; fraction: number }[];
}
interface Stats {
  id: string;
  classNames: string[];
  splits: Record<string, SplitCounts>;
}

let dir: string;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await mkdtemp(join(tmpdir(), 'tailor-dataset-report-'));
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    deps: testDeps({
      datasets: createDatasetStore(join(dir, 'datasets')),
      dataDir: join(dir, 'data'),
    }),
    signals: [],
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The bars of the chart in a split's section, as the page drew them. */
async function bars(page: Page, split: string) {
  const values = await page
    .locator(`#split-${split} figure[data-chart="bar"] g.bar`)
    .evaluateAll((gs) =>
      gs.map((g) => ({
        label: g.getAttribute('data-label'),
        value: Number(g.getAttribute('data-value')),
      })),
    );
  return values;
}

describe.skipIf(!hasChromium)('the data set report in Chromium', () => {
  it('charts every split of Fashion-MNIST and loads its sample grids', async () => {
    const stats = (await (
      await fetch(`${server.url}/v1/datasets/fashion-mnist/stats`)
    ).json()) as Stats;
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page);
    const response = await page.goto(`${server.url}/v1/datasets/fashion-mnist/report`, {
      waitUntil: 'load',
    });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(problems).toEqual([]);
    expect(await page.locator('h1').textContent()).toContain('Data set fashion-mnist');

    for (const split of ['train', 'val', 'test']) {
      const counts = stats.splits[split] as SplitCounts;
      // One bar per class, at the counts the statistics route gives, adding up to the split.
      const drawn = await bars(page, split);
      expect(drawn).toEqual(counts.perClass.map((c) => ({ label: c.className, value: c.count })));
      expect(drawn.reduce((sum, b) => sum + b.value, 0)).toBe(counts.count);
      expect(await page.locator(`#split-${split} tbody tr`).count()).toBe(10);
    }

    // The sample grids: one per split, served by the PNG route and decoded by the browser.
    const grids = page.locator('img.grid');
    expect(await grids.count()).toBe(3);
    const sizes = await grids.evaluateAll((imgs) =>
      imgs.map((img) => ({
        src: img.getAttribute('src'),
        width: Number(Reflect.get(img, 'naturalWidth')),
        height: Number(Reflect.get(img, 'naturalHeight')),
      })),
    );
    for (const size of sizes) {
      expect(size.src).toMatch(
        /^\/v1\/datasets\/fashion-mnist\/samples\.png\?split=\w+&perClass=5$/,
      );
      expect(size.width).toBeGreaterThan(0);
      // Ten rows of images, one per class, taller than wide at five per row.
      expect(size.height).toBeGreaterThan(size.width);
    }
    expect(await page.locator('.grid-labels').first().locator('li').allTextContents()).toEqual(
      stats.classNames,
    );
    await keepScreenshot(page, 'dataset-fashion-mnist');
    await page.close();
  });

  it('passes testPerClass on to the statistics and to every sample grid', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page);
    await page.goto(`${server.url}/v1/datasets/fashion-mnist/report?testPerClass=100`, {
      waitUntil: 'load',
    });
    expect(problems).toEqual([]);
    expect(await page.locator('#split-test h2').textContent()).toBe('test split: 1,000 images');
    const grids = await page
      .locator('img.grid')
      .evaluateAll((imgs) =>
        imgs.map((img) => [img.getAttribute('src'), Number(Reflect.get(img, 'naturalWidth'))]),
      );
    expect(grids).toHaveLength(3);
    for (const [src, width] of grids) {
      expect(src).toMatch(/&testPerClass=100$/);
      expect(width).toBeGreaterThan(0);
    }
    await page.close();
  });

  it('answers an unknown data set with a 404 in the API error format', async () => {
    const res = await fetch(`${server.url}/v1/datasets/no-such-set/report`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});

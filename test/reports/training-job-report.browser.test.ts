import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { workerConnection } from '../../src/jobs/connection.js';
import type { TrainingJobView } from '../../src/jobs/job-view.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs, type TrainingJobs } from '../../src/jobs/training-jobs.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { startTrainingWorker } from '../../src/service/worker-process.js';
import { testDeps } from '../api/helper.js';
import { type GateControl, gateControl } from '../support/batch-gate.js';
import {
  hasChromium,
  keepScreenshot,
  launchChromium,
  VIEWPORT,
  warnWithoutChromium,
  watchProblems,
} from './chromium.js';

// The report of a real job: the API on a real port over a real Redis, a real worker training
// a tiny CNN on a Fashion-MNIST subset, and the page opened in headless Chromium.
warnWithoutChromium();

const prefix = `report-${process.pid}-${Date.now()}`;
const quiet = pino({ level: 'silent' });
let dir: string;
let connection: Redis;
let gates: GateControl;
let queue: ReturnType<typeof createTrainingQueue>;
let jobs: TrainingJobs;
let server: RunningServer;
let browser: Browser;

const MODEL = {
  conv: [
    { channels: 4, pool: 2 },
    { channels: 8, pool: 2 },
  ],
  dense: [{ neurons: 16 }, {}],
};
const TEST_SIZE = 200;

const submit = (epochs: number) =>
  jobs.create({
    model: MODEL,
    training: { epochs, trainSize: 1000, valSize: 200, testSize: TEST_SIZE, seed: 3 },
  });

const startWorker = () =>
  startTrainingWorker(
    readConfig({
      TAILOR_ARTIFACT_DIR: dir,
      TAILOR_BACKEND: 'wasm',
      TAILOR_QUEUE_PREFIX: prefix,
      TAILOR_SHUTDOWN_GRACE_SECONDS: '20',
      // Jobs wait before their first batch until a test moves their gate.
      TAILOR_BATCH_GATE: '1',
    }),
    'redis://127.0.0.1:6379',
    quiet,
  );

async function waitFor(id: string, done: (job: TrainingJobView) => boolean) {
  const until = Date.now() + 120_000;
  for (;;) {
    const job = await jobs.get(id);
    if (done(job)) return job;
    if (Date.now() > until) throw new Error(`job ${id} is still ${job.status}/${job.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens a report and checks that it loaded whole: no errors, no failed requests. */
async function openReport(id: string): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  const problems = watchProblems(page);
  const response = await page.goto(`${server.url}/v1/training-jobs/${id}/report`, {
    waitUntil: 'load',
  });
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  expect(problems).toEqual([]);
  return page;
}

/** The values behind each series of a line chart, read from the drawn markers. */
async function chartSeries(page: Page, title: string) {
  const figure = page.locator('figure[data-chart="line"]', { hasText: title });
  const names = await figure
    .locator('g.series')
    .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-series')));
  const values = await Promise.all(
    names.map((name) =>
      figure
        .locator(`g.series[data-series="${name}"] circle.point`)
        .evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-y')))),
    ),
  );
  return Object.fromEntries(names.map((name, i) => [name, values[i]]));
}

/** Row texts of the table that follows a heading, body rows only. */
function bodyRows(page: Page, heading: string) {
  return page
    .locator('h3', { hasText: heading })
    .locator('xpath=following-sibling::div[contains(@class,"table-wrap")][1]')
    .locator('tbody tr');
}

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await mkdtemp(join(tmpdir(), 'tailor-report-'));
  connection = workerConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  jobs = createTrainingJobs(queue, () => connection.status === 'ready', undefined, connection);
  gates = gateControl(connection, prefix);
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    deps: testDeps({ trainingJobs: jobs }),
    signals: [],
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await queue?.obliterate({ force: true });
  const keys = connection ? await connection.keys(`${prefix}:*`) : [];
  if (keys.length > 0) await connection.del(...keys);
  await queue?.close();
  connection?.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('the training job report in Chromium', () => {
  let done: TrainingJobView;

  it('shows a queued job as not finished, with its one transition and no curves yet', async () => {
    const { id } = await submit(2);
    const page = await openReport(id);
    expect(await page.locator('h1').textContent()).toContain(`Training job ${id}`);
    expect(await page.locator('h1 .status').textContent()).toBe('queued');
    expect(await page.locator('.notice').textContent()).toContain('This job has not finished');
    expect(await page.locator('#curves .empty').first().textContent()).toBe(
      'No epoch has finished yet.',
    );
    expect(await page.locator('#lifecycle tbody tr').count()).toBe(1);
    expect(await page.locator('#lifecycle tbody tr').textContent()).toContain('submitted');
    await keepScreenshot(page, 'training-job-queued');
    await page.close();

    // Now a worker trains it, for the tests below.
    await gates.release(id);
    const worker = startWorker();
    try {
      done = await waitFor(id, (j) => j.finishedAt !== null);
    } finally {
      await worker.close();
    }
    expect(done.status).toBe('completed');
  });

  it('draws the finished job: curves, confusion matrix, class table, mistakes, lifecycle', async () => {
    const page = await openReport(done.id);
    expect(await page.locator('h1 .status').textContent()).toBe('completed');
    expect(await page.locator('.notice').count()).toBe(0);

    // Two curves per chart, one marker per epoch, at the values the job recorded.
    const loss = await chartSeries(page, 'Loss per epoch');
    expect(loss).toEqual({
      train: done.history.map((m) => m.loss),
      validation: done.history.map((m) => m.val_loss),
    });
    const acc = await chartSeries(page, 'Accuracy per epoch');
    expect(acc).toEqual({
      train: done.history.map((m) => m.acc),
      validation: done.history.map((m) => m.val_acc),
    });
    expect(loss.train).toHaveLength(2);
    // No schedule, no rate set: Adam's default over both epochs, at the 20 batches it ran.
    expect(await chartSeries(page, 'Learning rate per epoch')).toEqual({
      'learning rate': [0.001, 0.001],
    });
    expect(await page.locator('#curves p.note').textContent()).toContain(
      'at 20 steps per epoch (as the job reported)',
    );
    expect(await page.locator('#curves p.recipe').textContent()).toContain(
      "adam; peak learning rate 0.001 (the optimizer's default); constant schedule",
    );

    // The confusion matrix: 10x10 cells, whose printed counts add up to the test set.
    const cells = page.locator('figure[data-chart="heatmap"] g.cell');
    expect(await cells.count()).toBe(100);
    const printed = (await cells.locator('text').allTextContents()).map(Number);
    expect(printed.reduce((a, b) => a + b, 0)).toBe(TEST_SIZE);
    expect(printed).toEqual(done.test?.confusion.flat());
    expect(
      await page.locator('figure[data-chart="heatmap"] text.row-label').allTextContents(),
    ).toEqual((done.test?.perClass ?? []).map((c) => c.className ?? ''));

    // One table row per class, and the macro average underneath.
    expect(await bodyRows(page, 'Per-class metrics').count()).toBe(10);
    expect(await bodyRows(page, 'Per-class metrics').first().textContent()).toContain(
      'T-shirt/top',
    );
    expect(await page.locator('#test tfoot tr').textContent()).toContain('macro average');
    expect(await page.locator('#test dl.facts').textContent()).toContain('calibration error (ECE)');

    // Misclassified test images, each decoded by the browser.
    const mistakes = page.locator('#test .samples img.pixels');
    expect(await mistakes.count()).toBeGreaterThan(0);
    const widths = await mistakes.evaluateAll((imgs) =>
      imgs.map((img) => Number(Reflect.get(img, 'naturalWidth'))),
    );
    expect(widths.every((w) => w === 28)).toBe(true);

    // Every lifecycle transition, the last naming the registered model.
    expect(await page.locator('#lifecycle tbody tr').count()).toBe(done.transitions.length);
    expect(await page.locator('#lifecycle tbody tr').last().textContent()).toContain(
      `model ${done.id} registered`,
    );

    // The links lead back to the JSON resources.
    for (const href of [`/v1/training-jobs/${done.id}`, `/v1/models/${done.id}`]) {
      expect(await page.locator(`nav.links a[href="${href}"]`).count()).toBe(1);
    }
    const json = await page.request.get(`${server.url}/v1/training-jobs/${done.id}`);
    expect((await json.json()).id).toBe(done.id);

    await keepScreenshot(page, 'training-job-completed');
    // The page follows the reader's colour scheme; keep the dark variant to look at too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await keepScreenshot(page, 'training-job-completed-dark');
    await page.close();
  });

  it('shows a running job with its partial history and progress', async () => {
    const { id } = await submit(50);
    const worker = startWorker();
    try {
      // Held at the start of its second epoch: one epoch done, 49 to go.
      await gates.runTo(id, { epoch: 2, batch: 0 });
      const running = await jobs.get(id);
      expect(running.history).toHaveLength(1);
      const page = await openReport(id);
      expect(await page.locator('.notice').textContent()).toContain('This job has not finished');
      expect(await page.locator('#progress dl.facts').textContent()).toContain('epoch');
      const loss = await chartSeries(page, 'Loss per epoch');
      expect(loss.train).toHaveLength(1);
      expect(await page.locator('#test .empty').textContent()).toBe(
        'The test set is evaluated after the last epoch.',
      );
      await keepScreenshot(page, 'training-job-running');
      await page.close();
      await jobs.cancel(id, 'report test');
      await waitFor(id, (j) => j.finishedAt !== null);
    } finally {
      await worker.close();
    }
  });

  it('answers an unknown job with a 404 in the API error format', async () => {
    const res = await fetch(`${server.url}/v1/training-jobs/no-such-job/report`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});

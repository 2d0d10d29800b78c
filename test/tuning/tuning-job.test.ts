import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { createApiServices } from '../../src/service/api-services.js';
import { startTrainingWorker } from '../../src/service/worker-process.js';
import type { TuningJobView } from '../../src/tuning/tuning-view.js';
import {
  hasChromium,
  keepScreenshot,
  launchChromium,
  VIEWPORT,
  warnWithoutChromium,
  watchProblems,
} from '../reports/chromium.js';
import { removePrefix } from '../support/redis-cleanup.js';

const prefix = `tuning-${process.pid}-${Date.now()}`;
let dir: string;
let app: App;
let services: ReturnType<typeof createApiServices>;
let workers: ReturnType<typeof startTrainingWorker>[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-tuning-'));
  const config = readConfig({
    TAILOR_ARTIFACT_DIR: dir,
    TAILOR_QUEUE_PREFIX: prefix,
    TAILOR_BACKEND: 'wasm',
  });
  services = createApiServices(config, 'redis://127.0.0.1:6379', 'test');
  app = buildApp(services.deps, { logger: false });
  await app.ready();
  // Two workers: trials run in parallel, as on two hosts.
  workers = [0, 1].map(() =>
    startTrainingWorker(config, 'redis://127.0.0.1:6379', pino({ level: 'silent' })),
  );
  const ready = Date.now() + 10_000;
  while ((await request(app.server).get('/readyz')).body?.checks?.redis?.ok !== true) {
    if (Date.now() > ready) throw new Error('the API did not connect to Redis');
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await app?.close();
  await services?.close();
  const { Redis } = await import('ioredis');
  const redis = new Redis('redis://127.0.0.1:6379');
  await removePrefix(redis, prefix);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

/** The tuning report renders in Chromium: one curve per trial, one row per trial. */
async function checkReportInChromium(id: string, job: TuningJobView) {
  if (!hasChromium) return warnWithoutChromium();
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page);
    const res = await page.goto(`${url}/v1/tuning-jobs/${id}/report`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    const curves = await page.locator('#curves g.series').count();
    expect(curves).toBe(job.trials.length);
    // Each trial's curve has a point per epoch it ran: stopped ones end early.
    for (const t of job.trials) {
      const points = page.locator(`#curves g.series[data-series="trial ${t.trial}"] circle.point`);
      expect(await points.count()).toBe(t.history.length);
    }
    expect(await page.locator('#trials tbody tr').count()).toBe(job.trials.length);
    expect(await page.locator('#trials').textContent()).toContain('stopped_early');
    await keepScreenshot(page, 'tuning-job-completed');
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
}

const SMALL = {
  conv: [
    { channels: 4, pool: 2 },
    { channels: 8, pool: 2 },
  ],
  dense: [{ neurons: 16 }, {}],
};

describe('a tuning job', () => {
  it('runs 6 trials of a grid over two parameters, stops weak ones early, registers and promotes the best', async () => {
    const created = await request(app.server)
      .post('/v1/tuning-jobs')
      .send({
        model: SMALL,
        training: { epochs: 3, trainSize: 1000, valSize: 200, testSize: 200 },
        space: { learningRate: { values: [0.003, 0.00001] }, dropout: { values: [0, 0.2, 0.4] } },
        search: 'grid',
        budget: { trials: 6 },
        earlyStopping: { rule: 'median', minEpochs: 1, minTrials: 2 },
        seed: 4,
        promote: 'staging',
      })
      .expect(202);
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`/v1/tuning-jobs/${id}`);
    expect(created.body.trials).toHaveLength(6);

    let job: TuningJobView;
    const until = Date.now() + 400_000;
    for (;;) {
      job = (await request(app.server).get(`/v1/tuning-jobs/${id}`).expect(200)).body;
      if (job.status === 'completed' || job.status === 'failed') break;
      if (Date.now() > until) throw new Error(`tuning job still ${job.status}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.trials.map((t) => t.params)).toEqual([
      { learningRate: 0.003, dropout: 0 },
      { learningRate: 0.003, dropout: 0.2 },
      { learningRate: 0.003, dropout: 0.4 },
      { learningRate: 0.00001, dropout: 0 },
      { learningRate: 0.00001, dropout: 0.2 },
      { learningRate: 0.00001, dropout: 0.4 },
    ]);
    // Every trial has a curve; the weak ones were stopped before their last epoch, and
    // their record says why.
    expect(job.trials.every((t) => t.history.length >= 1)).toBe(true);
    const stopped = job.trials.filter((t) => t.status === 'stopped_early');
    expect(stopped.length).toBeGreaterThan(0);
    for (const t of stopped) {
      expect(t.epochs).toBeLessThan(3);
      expect(t.reason).toMatch(/^stopped early after epoch \d: val_acc .* below the median/);
    }
    // The best is the completed trial with the highest val_acc.
    const completed = job.trials.filter((t) => t.status === 'completed');
    const top = Math.max(...completed.map((t) => t.bestValAcc as number));
    expect(job.best?.bestValAcc).toBe(top);
    expect(job.best?.params.learningRate).toBe(0.003);
    expect(job.modelId).toBe(id);
    expect(job.promoted).toBe('staging');

    // Its model is registered and served under the alias.
    const model = await request(app.server).get('/v1/models/staging').expect(200);
    expect(model.body.id).toBe(id);
    expect(model.body.metrics.best_val_acc).toBe(top);
    const predicted = await request(app.server)
      .post('/v1/models/staging/predict')
      .send({ instances: [Array(784).fill(0)] })
      .expect(200);
    expect(predicted.body.model.id).toBe(id);

    console.log(
      `tuning ${id}: ${job.trials.length} trials, ${stopped.length} stopped early ` +
        `(after ${stopped.map((t) => t.epochs).join(', ')} epoch(s)), best ${JSON.stringify(job.best?.params)} ` +
        `val_acc ${job.best?.bestValAcc.toFixed(4)} test ${job.best?.testAccuracy?.toFixed(4)}, promoted to 'staging'`,
    );
    await checkReportInChromium(id, job);
    // A trial is an ordinary training job too.
    const trial = await request(app.server).get(`/v1/training-jobs/${stopped[0]?.jobId}`);
    expect(trial.body.status).toBe('stopped_early');
    const listed = await request(app.server).get('/v1/tuning-jobs').expect(200);
    expect(listed.body.items.map((t: TuningJobView) => t.id)).toContain(id);
  });

  it('refuses a bad search space, naming the field', async () => {
    const res = await request(app.server)
      .post('/v1/tuning-jobs')
      .send({ space: { learningRate: { min: 0.001, max: 0.1 } }, search: 'grid' })
      .expect(400);
    expect(res.body.error.code).toBe('INVALID_SEARCH_SPACE');
    expect(res.body.error.message).toMatch(/space\.learningRate: grid search needs a list/);
    const impossible = await request(app.server)
      .post('/v1/tuning-jobs')
      .send({ space: { blocks: { values: [6] } }, budget: { trials: 1 } })
      .expect(400);
    // The space is checked at its largest before any trial: the message names the values.
    expect(impossible.body.error.message).toMatch(
      /^the space at its largest \{"blocks":6\}: model\.conv\[5\]\.pool/,
    );
    await request(app.server).get('/v1/tuning-jobs/tune-000000000000').expect(404);
  });
});

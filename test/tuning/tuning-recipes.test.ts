import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { checkJobData } from '../../src/jobs/training-job.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { createTuningJobs } from '../../src/tuning/tuning-jobs.js';
import { tuningQueues } from '../../src/tuning/tuning-queues.js';
import type { TuningJobView } from '../../src/tuning/tuning-view.js';
import { buildTestApp } from '../api/helper.js';
import { removePrefix } from '../support/redis-cleanup.js';

// No worker: the trials stay queued, and their training options are what is checked.
const prefix = `test-tuning-recipes-${process.pid}-${Date.now()}`;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let tuning: ReturnType<typeof tuningQueues>;
let app: App;

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  tuning = tuningQueues(connection, prefix);
  const ready = () => connection.status === 'ready';
  const trainingJobs = createTrainingJobs(queue, ready);
  app = buildTestApp({
    trainingJobs,
    tuningJobs: createTuningJobs({ ...tuning, trainingJobs, redisReady: ready }),
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await queue.obliterate({ force: true });
  await tuning.queue.obliterate({ force: true });
  await Promise.all([queue.close(), tuning.queue.close(), tuning.flows.close()]);
  await removePrefix(connection, prefix);
  connection.disconnect();
});

/** A trial's training options, as GET /v1/training-jobs/{id} shows them. */
async function trainingOf(jobId: string) {
  return (await request(app.server).get(`/v1/training-jobs/${jobId}`).expect(200)).body.training;
}

describe('a tuning job over training recipes', () => {
  it('varies optimizer, schedule, label smoothing and augmentation from a preset, leaving out what a trial cannot take', async () => {
    const created = await request(app.server)
      .post('/v1/tuning-jobs')
      .send({
        preset: 'best',
        training: { epochs: 3, trainSize: 1000, valSize: 200, testSize: 200 },
        space: {
          optimizer: { values: ['adamw', 'sgd'] },
          momentum: { values: [0.5, 0.9] },
          schedule: { values: ['cosine', 'one-cycle'] },
          labelSmoothing: { values: [0.05] },
          translate: { values: [3] },
          flip: { values: [false] },
        },
        search: 'grid',
        budget: { trials: 20 },
        seed: 9,
      })
      .expect(202);
    const job = created.body as TuningJobView;
    // 8 grid points; adamw ignores momentum, so 2 of its 4 repeat the other 2.
    expect(job.skippedRepeats).toBe(2);
    const common = { labelSmoothing: 0.05, translate: 3, flip: false };
    expect(job.trials.map((t) => t.params)).toEqual([
      { optimizer: 'adamw', schedule: 'cosine', ...common },
      { optimizer: 'adamw', schedule: 'one-cycle', ...common },
      { optimizer: 'sgd', momentum: 0.5, schedule: 'cosine', ...common },
      { optimizer: 'sgd', momentum: 0.5, schedule: 'one-cycle', ...common },
      { optimizer: 'sgd', momentum: 0.9, schedule: 'cosine', ...common },
      { optimizer: 'sgd', momentum: 0.9, schedule: 'one-cycle', ...common },
    ]);
    expect(job.trials[0]?.adjustments).toEqual([
      'momentum 0.5 left out: it applies to optimizer sgd only, not adamw',
    ]);
    expect(job.trials[2]?.adjustments).toEqual([]);

    // The preset's recipe, with each trial's parameters in place of its own.
    const preset = {
      epochs: 3,
      batchSize: 128,
      learningRate: 0.002,
      weightDecay: 0.02,
      labelSmoothing: 0.05,
      augment: { translate: 3, flip: false, erase: 0.25 },
      seed: 9,
    };
    expect(await trainingOf(job.trials[1]?.jobId as string)).toMatchObject({
      ...preset,
      optimizer: 'adamw',
      schedule: { type: 'one-cycle', warmupEpochs: 2 },
    });
    const sgd = await trainingOf(job.trials[4]?.jobId as string);
    expect(sgd).toMatchObject({
      ...preset,
      optimizer: 'sgd',
      momentum: 0.9,
      schedule: { type: 'cosine', warmupEpochs: 2 },
    });
    expect(await trainingOf(job.trials[0]?.jobId as string)).not.toHaveProperty('momentum');

    // What is queued passes the worker's own check of a job's data.
    for (const t of job.trials) {
      const queued = await queue.getJob(t.jobId);
      expect(() => checkJobData(queued?.data)).not.toThrow();
    }
    const again = await request(app.server).get(`/v1/tuning-jobs/${job.id}`).expect(200);
    expect(again.body.trials.map((t: { params: unknown }) => t.params)).toEqual(
      job.trials.map((t) => t.params),
    );
  });

  it('draws a warm-up onto a constant rate and augmentation onto none, at random', async () => {
    const res = await request(app.server)
      .post('/v1/tuning-jobs')
      .send({
        training: { epochs: 4, trainSize: 1000, optimizer: 'sgd', momentum: 0.9 },
        space: {
          warmupEpochs: { min: 0.5, max: 2 },
          erase: { min: 0, max: 0.5 },
          nesterov: { values: [true, false] },
        },
        budget: { trials: 3 },
        seed: 5,
      })
      .expect(202);
    for (const t of (res.body as TuningJobView).trials) {
      const training = await trainingOf(t.jobId);
      expect(training.schedule).toEqual({ type: 'constant', warmupEpochs: t.params.warmupEpochs });
      expect(training.augment).toEqual({ translate: 0, flip: false, erase: t.params.erase });
      expect(training).toMatchObject({
        optimizer: 'sgd',
        momentum: 0.9,
        nesterov: t.params.nesterov,
      });
    }
  });

  it.each([
    [
      { optimizer: { values: ['adam', 'adamax'] } },
      'INVALID_SEARCH_SPACE',
      /^space\.optimizer: 'adamax' is not one of adam, adamw, sgd, rmsprop$/,
    ],
    [
      // adam, the default optimizer, takes no nesterov: no trial could use it.
      { nesterov: { values: [true, false] } },
      'INVALID_SEARCH_SPACE',
      /^space\.nesterov: applies to optimizer sgd only, and no trial uses it \(training\.optimizer: adam\)$/,
    ],
    [
      { optimizer: { values: ['sgd'] }, nesterov: { values: [true] } },
      'INVALID_SEARCH_SPACE',
      /^space\.nesterov: true needs momentum above 0, and training\.momentum is not set$/,
    ],
    [
      { warmupEpochs: { values: [0, 3] }, epochs: { values: [3, 5] } },
      'INVALID_SEARCH_SPACE',
      /^space\.warmupEpochs: 3 is not below the fewest epochs a trial runs \(3\)$/,
    ],
    [{ schedule: { min: 0, max: 1 } }, 'VALIDATION_FAILED', /\/body\/space\/schedule/],
    [{ flip: { values: ['yes'] } }, 'VALIDATION_FAILED', /\/body\/space\/flip\/values\/0/],
  ])('refuses the space %j with 400 naming the field', async (space, code, message) => {
    const res = await request(app.server)
      .post('/v1/tuning-jobs')
      .send({ space, search: 'grid', budget: { trials: 2 } })
      .expect(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });
});

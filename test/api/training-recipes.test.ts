import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/jobs/presets.js';
import { useQueuedJobsApp } from './queued-jobs-app.js';

// Presets and training recipes as a client sends them: what is queued, and what is refused.

const { app } = useQueuedJobsApp('api-recipes');

const post = (body: object) => request(app().server).post('/v1/training-jobs').send(body);

describe('presets', () => {
  it('notebook is the default: no recipe field is set', async () => {
    const res = await post({ training: { epochs: 2 } }).expect(202);
    expect(res.body.training).toEqual({ epochs: 2, batchSize: 50, optimizer: 'adam' });
    expect(res.body.spec.dense.map((d: { dropout: number }) => d.dropout)).toEqual([0, 0, 0]);
  });

  it('best fills in its model and training; the request overrides any field', async () => {
    const res = await post({
      preset: 'best',
      training: { epochs: 5, schedule: { type: 'one-cycle' } },
      model: { conv: [{ channels: 16, pool: 2 }] },
    }).expect(202);
    expect(res.body.training).toEqual({
      ...PRESETS.best.training,
      epochs: 5,
      // A nested object's fields override the preset's one by one.
      schedule: { type: 'one-cycle', warmupEpochs: 2 },
    });
    expect(res.body.spec.conv).toHaveLength(1);
    expect(res.body.spec.dense.map((d: { dropout: number }) => d.dropout)).toEqual([0.3, 0.3, 0.3]);
  });

  it('refuses an unknown preset, naming the field', async () => {
    const res = await post({ preset: 'fastest' }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error)).toMatch(/preset/);
  });
});

describe('training recipes', () => {
  it('queues every part of a recipe as given', async () => {
    const training = {
      epochs: 12,
      optimizer: 'sgd',
      learningRate: 0.05,
      momentum: 0.9,
      nesterov: true,
      weightDecay: 0.0005,
      schedule: { type: 'step', warmupEpochs: 0.5, stepEpochs: 4, stepFactor: 0.2 },
      labelSmoothing: 0.1,
      clipNorm: 5,
      augment: { translate: 3, flip: true, erase: 0.5 },
      earlyStopping: { patience: 3, minDelta: 0.001 },
    };
    const res = await post({ training }).expect(202);
    expect(res.body.training).toEqual({ ...training, batchSize: 50 });
  });

  it.each([
    [{ schedule: { type: 'linear' } }, /schedule\/type/],
    [{ schedule: { type: 'cosine', warmupEpochs: -1 } }, /warmupEpochs/],
    [{ labelSmoothing: 0.9 }, /labelSmoothing/],
    [{ augment: { translate: 20 } }, /augment\/translate/],
    [{ augment: { rotate: 10 } }, /rotate/],
    [{ earlyStopping: { minDelta: 0.01 } }, /patience/],
    [{ clipNorm: 0 }, /clipNorm/],
  ])('refuses %j with 400 naming the field', async (training, field) => {
    const res = await post({ training }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error)).toMatch(field);
  });

  it.each([
    [{ momentum: 0.9 }, /momentum and training.nesterov apply to optimizer sgd only, not adam/],
    [{ optimizer: 'sgd', nesterov: true }, /nesterov needs training.momentum above 0/],
    [
      { epochs: 3, schedule: { type: 'cosine', warmupEpochs: 3 } },
      /warmupEpochs \(3\) must be below training.epochs \(3\)/,
    ],
  ])(
    'refuses %j, which the schema alone cannot catch, with 400 INVALID_TRAINING',
    async (training, message) => {
      const res = await post({ training }).expect(400);
      expect(res.body.error.code).toBe('INVALID_TRAINING');
      expect(res.body.error.message).toMatch(message);
    },
  );
});

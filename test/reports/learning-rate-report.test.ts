import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ASSUMED_STEPS_PER_EPOCH } from '../../src/reports/learning-rate-plan.js';
import { useQueuedJobsApp } from '../api/queued-jobs-app.js';
import { lineChartSeries } from './chart-values.js';

// Jobs posted over HTTP to a real Redis queue (no worker takes them), then their reports
// fetched over HTTP: the learning-rate chart comes from the options as the API stored them.
const { app } = useQueuedJobsApp('learning-rate-report');

/** Posts a job, fetches its report, and reads the learning-rate chart and the recipe line. */
async function reportOf(body: object) {
  const created = await request(app().server).post('/v1/training-jobs').send(body).expect(202);
  const res = await request(app().server)
    .get(`/v1/training-jobs/${created.body.id}/report`)
    .expect(200);
  const { 'learning rate': rate, ...others } = lineChartSeries(res.text, 'Learning rate per epoch');
  expect(others).toEqual({});
  if (!rate) throw new Error('the chart has no learning-rate series');
  const recipe = /<p class="recipe">(.*?)<\/p>/s.exec(res.text)?.[1] ?? '';
  const note = /<p class="note">(.*?)<\/p>/s.exec(res.text)?.[1] ?? '';
  const figure = res.text.slice(res.text.indexOf('<figcaption>Learning rate per epoch'));
  const axis = /<text class="axis-label" transform="[^"]*" text-anchor="middle">([^<]*)</.exec(
    figure,
  )?.[1];
  return { rate, recipe, note, axis };
}

/** Half a cosine from `peak` to `end`, written out here rather than taken from ml/schedule.ts. */
const cosine = (peak: number, end: number, t: number, span: number) =>
  end + ((peak - end) * (1 + Math.cos((Math.PI * t) / (span - 1)))) / 2;

describe('the learning-rate chart of a training job report', () => {
  it('draws a cosine job with warm-up at the first step of each of its epochs', async () => {
    // 1000 images in batches of 100: 10 steps an epoch, 60 in all; warm-up is the first 10.
    const { rate, recipe, note, axis } = await reportOf({
      training: {
        epochs: 6,
        batchSize: 100,
        trainSize: 1000,
        optimizer: 'adamw',
        learningRate: 0.002,
        schedule: { type: 'cosine', warmupEpochs: 1, minLearningRate: 0.0001 },
      },
    });
    expect(rate.xs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rate.vertices).toBe(6);
    // Ticks count in thousandths, so their labels stay short.
    expect(axis).toBe('learning rate (×10⁻³)');
    const expected = [
      0.002 / 10,
      ...[1, 2, 3, 4, 5].map((e) => cosine(0.002, 0.0001, e * 10 - 10, 50)),
    ];
    expect(rate.ys).toEqual(expected.map((v) => expect.closeTo(v, 12)));
    // Epoch 2 starts the cosine at its peak; it falls from there on.
    expect(rate.ys[1]).toBe(0.002);
    expect(rate.ys.slice(1)).toEqual([...rate.ys.slice(1)].sort((a, b) => b - a));
    expect(recipe).toContain('adamw; peak learning rate 0.002;');
    expect(recipe).toContain('cosine schedule down to 0.0001, warm-up over 1 epoch;');
    expect(recipe).toContain('decoupled weight decay 0.004 (AdamW&#39;s default)');
    expect(recipe).not.toMatch(/smoothing|clipped|augmentation|early stopping/);
    expect(note).toContain('at 10 steps per epoch (trainSize ÷ batchSize, rounded up)');
  });

  it('draws a job without a schedule as a flat line at its rate', async () => {
    const { rate, recipe } = await reportOf({
      training: { epochs: 4, optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true },
    });
    expect(rate.xs).toEqual([1, 2, 3, 4]);
    expect(rate.ys).toEqual([0.05, 0.05, 0.05, 0.05]);
    expect(rate.vertices).toBe(4);
    expect(recipe).toContain('sgd with Nesterov&#39;s momentum 0.9; peak learning rate 0.05;');
    expect(recipe).toContain('constant schedule');
    expect(recipe).not.toContain('weight decay');
  });

  it("draws the optimizer's default rate when the job sets none", async () => {
    const { rate, recipe, note } = await reportOf({ training: { epochs: 3 } });
    expect(rate.ys).toEqual([0.001, 0.001, 0.001]);
    expect(recipe).toContain('adam; peak learning rate 0.001 (the optimizer&#39;s default)');
    expect(note).toContain(`at ${ASSUMED_STEPS_PER_EPOCH} steps per epoch (assumed`);
  });

  it('draws a step schedule dropping by its factor every stepEpochs', async () => {
    const { rate, recipe } = await reportOf({
      training: {
        epochs: 5,
        optimizer: 'sgd',
        learningRate: 0.1,
        schedule: { type: 'step', stepEpochs: 2, stepFactor: 0.5 },
        clipNorm: 1.5,
      },
    });
    expect(rate.ys).toEqual([0.1, 0.1, 0.05, 0.05, 0.025].map((v) => expect.closeTo(v, 15)));
    expect(recipe).toContain('step schedule (× 0.5 every 2 epochs)');
    expect(recipe).toContain('gradients clipped to a global norm of 1.5');
  });

  it("draws the best preset under a request's epochs and names the preset's whole recipe", async () => {
    const { rate, recipe } = await reportOf({ preset: 'best', training: { epochs: 20 } });
    // The request's epochs win over the preset's; the rest of the recipe is the preset's.
    expect(rate.xs).toHaveLength(20);
    expect(Math.max(...rate.ys)).toBeCloseTo(0.002, 6);
    expect(rate.ys[0]).toBeLessThan(0.0001);
    expect(recipe).toBe(
      '<strong>Recipe:</strong> adamw; peak learning rate 0.002; cosine schedule down to 0, ' +
        'warm-up over 2 epochs; decoupled weight decay 0.02; label smoothing 0.1; ' +
        'augmentation: shifts of up to 2 px, left-right flips, random erasing with probability 0.25.',
    );
  });
});

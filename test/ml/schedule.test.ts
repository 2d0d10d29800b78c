import { describe, expect, it } from 'vitest';
import { epochRates, learningRateAt, type Schedule } from '../../src/ml/schedule.js';

const clock = (step: number) => ({ step, stepsPerEpoch: 10, epochs: 10 });
const rate = (schedule: Schedule, step: number) => learningRateAt(0.1, schedule, clock(step));

describe('learning-rate schedules', () => {
  it('constant: the peak at every step, after a linear warm-up when asked', () => {
    expect([0, 50, 99].map((s) => rate({ type: 'constant' }, s))).toEqual([0.1, 0.1, 0.1]);
    const warm = { type: 'constant', warmupEpochs: 2 } as const;
    expect(rate(warm, 0)).toBeCloseTo(0.1 / 20, 12);
    expect(rate(warm, 9)).toBeCloseTo(0.05, 12);
    expect(rate(warm, 19)).toBeCloseTo(0.1, 12);
    expect(rate(warm, 20)).toBe(0.1);
  });

  it('step: multiplied by the factor every stepEpochs epochs', () => {
    const step = { type: 'step', stepEpochs: 3, stepFactor: 0.5 } as const;
    expect(rate(step, 29)).toBe(0.1);
    expect(rate(step, 30)).toBe(0.05);
    expect(rate(step, 60)).toBe(0.025);
    expect(rate({ type: 'step' }, 99)).toBe(0.1); // every 10 epochs by default: not yet
  });

  it('cosine: from the peak after warm-up down to minLearningRate at the last step', () => {
    const cosine = { type: 'cosine', warmupEpochs: 1, minLearningRate: 0.001 } as const;
    expect(rate(cosine, 10)).toBeCloseTo(0.1, 12);
    expect(rate(cosine, 99)).toBeCloseTo(0.001, 12);
    // Half way through the decay: the mean of both ends.
    expect(rate({ type: 'cosine' }, 0)).toBe(0.1);
    const middle = learningRateAt(
      0.1,
      { type: 'cosine' },
      { step: 50, stepsPerEpoch: 1, epochs: 101 },
    );
    expect(middle).toBeCloseTo(0.05, 12);
    for (let s = 11; s < 100; s++) expect(rate(cosine, s)).toBeLessThanOrEqual(rate(cosine, s - 1));
  });

  it('one-cycle: from peak/25 up to the peak over 30% of the run, then down to the end', () => {
    const cycle = { type: 'one-cycle' } as const;
    expect(rate(cycle, 0)).toBeCloseTo(0.004, 12);
    expect(rate(cycle, 30)).toBeCloseTo(0.1, 12);
    expect(rate(cycle, 99)).toBeCloseTo(0, 12);
    expect(rate(cycle, 15)).toBeGreaterThan(rate(cycle, 14));
    expect(rate({ type: 'one-cycle', warmupEpochs: 5 }, 50)).toBeCloseTo(0.1, 12);
  });

  it('reports the rate at each epoch start, and never leaves the run', () => {
    expect(epochRates(0.1, { type: 'step', stepEpochs: 1, stepFactor: 0.1 }, 10, 3)).toEqual([
      0.1,
      0.1 * 0.1,
      0.1 * 0.1 * 0.1,
    ]);
    // A step past the end (a resumed run's bookkeeping) is held at the last step's rate.
    expect(rate({ type: 'cosine' }, 500)).toBe(rate({ type: 'cosine' }, 99));
  });
});

import { describe, expect, it } from 'vitest';
import { decide, NO_EARLY_STOPPING, quantile } from '../../src/jobs/early-stopping.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import {
  checkSpace,
  gridPoints,
  gridSize,
  largestPoints,
  randomPoints,
  SearchSpaceError,
} from '../../src/tuning/search-space.js';
import { trialRequest } from '../../src/tuning/trials.js';

describe('search spaces', () => {
  it('grid: every combination, first dimension outermost', () => {
    expect(
      gridPoints({ learningRate: { values: [0.1, 0.01] }, dropout: { values: [0, 0.5] } }),
    ).toEqual([
      { learningRate: 0.1, dropout: 0 },
      { learningRate: 0.1, dropout: 0.5 },
      { learningRate: 0.01, dropout: 0 },
      { learningRate: 0.01, dropout: 0.5 },
    ]);
  });

  it('random: seeded, inside the bounds, integers where the parameter is one', () => {
    const space = {
      learningRate: { min: 1e-4, max: 1e-1, scale: 'log' as const },
      channels: { min: 8, max: 64 },
      batchSize: { values: [32, 64, 128] },
    };
    const a = randomPoints(space, 50, 7);
    expect(randomPoints(space, 50, 7)).toEqual(a);
    expect(randomPoints(space, 50, 8)).not.toEqual(a);
    for (const p of a) {
      expect(p.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(p.learningRate).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(p.channels)).toBe(true);
      expect([32, 64, 128]).toContain(p.batchSize);
    }
    // Log-uniform: about as many draws below 1e-2.5 as above.
    const low = a.filter((p) => (p.learningRate as number) < 10 ** -2.5).length;
    expect(low).toBeGreaterThan(10);
    expect(low).toBeLessThan(40);
  });

  it.each([
    [
      { dropout: { values: [1.5] } },
      'random',
      /space\.dropout: 1\.5 is not a number from 0 to 0\.9/,
    ],
    [{ channels: { values: [8.5] } }, 'random', /space\.channels: 8\.5 is not an integer/],
    [{ learningRate: { min: 0.1, max: 0.01 } }, 'random', /min 0\.1 is above max 0\.01/],
    [{ dropout: { min: 0, max: 0.5, scale: 'log' } }, 'random', /log scale needs min > 0/],
    [{ learningRate: { min: 0.001, max: 0.1 } }, 'grid', /grid search needs a list of values/],
  ] as const)('refuses %j (%s) naming the field', (space, search, message) => {
    expect(() => checkSpace(space as never, search)).toThrow(SearchSpaceError);
    expect(() => checkSpace(space as never, search)).toThrow(message);
  });
});

describe('trial requests', () => {
  it("vary the architecture the seed's way and the training options one to one", () => {
    const request = trialRequest(
      { dataset: 'fashion-mnist', training: { epochs: 2 } },
      { channels: 16, neurons: 100, blocks: 2, dropout: 0.3, learningRate: 0.01, batchSize: 64 },
    );
    const spec = parseSpec(request.model);
    expect(spec.conv.map((b) => b.channels)).toEqual([16, 32]);
    expect(spec.dense.map((b) => b.neurons)).toEqual([100, 50, 10]);
    expect(spec.dense.every((b) => b.dropout === 0.3)).toBe(true);
    expect(request.training).toEqual({ epochs: 2, learningRate: 0.01, batchSize: 64 });
  });

  it('add blocks by repeating the last one, twice as wide', () => {
    const spec = parseSpec(trialRequest({}, { blocks: 4 }).model);
    expect(spec.conv.map((b) => b.channels)).toEqual([32, 64, 128, 256]);
  });
});

describe('early stopping', () => {
  const median = { ...NO_EARLY_STOPPING, rule: 'median' as const, minEpochs: 2, minTrials: 2 };

  it('median rule: stops a trial below the median of the others at the same epoch', () => {
    expect(decide(median, 2, 0.6, [0.7, 0.8, 0.9])).toMatchObject({ stop: true });
    expect(decide(median, 2, 0.85, [0.7, 0.8, 0.9]).stop).toBe(false);
    expect(decide(median, 2, 0.6, [0.7, 0.8, 0.9]).reason).toMatch(
      /val_acc 0\.6000 at epoch 2 is below the median 0\.8000 of 3 other trials/,
    );
  });

  it('median rule: waits for minEpochs and for minTrials others', () => {
    expect(decide(median, 1, 0.1, [0.7, 0.8, 0.9]).stop).toBe(false);
    expect(decide(median, 2, 0.1, [0.9]).stop).toBe(false);
    expect(decide({ ...median, rule: 'none' }, 5, 0.1, [0.9, 0.9]).stop).toBe(false);
  });

  it('halving: at rungs minEpochs x 2^k keeps the top 1/eta, elsewhere decides nothing', () => {
    const halving = { ...NO_EARLY_STOPPING, rule: 'halving' as const, minEpochs: 1, eta: 3 };
    const others = [0.9, 0.8, 0.7, 0.6, 0.5];
    // Rung epoch 2: 6 trials -> keep 2 (cutoff 0.8).
    expect(decide(halving, 2, 0.75, others).stop).toBe(true);
    expect(decide(halving, 2, 0.85, others).stop).toBe(false);
    expect(decide(halving, 3, 0.1, others).stop).toBe(false);
    expect(decide(halving, 4, 0.1, others).reason).toMatch(/outside the top 2 of 6 trials/);
  });

  it('quantile interpolates as numpy does', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.5)).toBe(5);
  });
});

describe('largestPoints', () => {
  it('takes every size at its top and each number of blocks the space allows', () => {
    expect(
      largestPoints({
        channels: { min: 8, max: 64 },
        neurons: { values: [512, 128] },
        batchSize: { values: [32] },
        blocks: { min: 2, max: 4 },
        learningRate: { min: 0.001, max: 0.1 },
      }),
    ).toEqual([2, 3, 4].map((blocks) => ({ channels: 64, neurons: 512, batchSize: 32, blocks })));
    expect(largestPoints({ dropout: { values: [0, 0.5] } })).toEqual([{}]);
    expect(largestPoints({ blocks: { values: [3, 1, 3] } })).toEqual([
      { blocks: 3 },
      { blocks: 1 },
    ]);
  });
});

describe('grids', () => {
  it('build only the points a budget takes, however many the space has', () => {
    const values = (n: number, from: number, step: number) =>
      Array.from({ length: n }, (_, i) => from + i * step);
    const space = {
      learningRate: { values: values(50, 0.001, 0.001) },
      dropout: { values: values(50, 0, 0.01) },
      batchSize: { values: values(50, 1, 1) },
      epochs: { values: values(50, 1, 1) },
      channels: { values: values(50, 1, 1) },
      neurons: { values: values(50, 1, 1) },
      blocks: { values: [1, 2, 3, 4, 5, 6] },
    };
    expect(gridSize(space)).toBe(50 ** 6 * 6);
    const points = gridPoints(space, 100);
    expect(points).toHaveLength(100);
    expect(points[0]).toEqual({
      learningRate: 0.001,
      dropout: 0,
      batchSize: 1,
      epochs: 1,
      channels: 1,
      neurons: 1,
      blocks: 1,
    });
    expect(points[7]).toMatchObject({ neurons: 2, blocks: 2 });
  });
});

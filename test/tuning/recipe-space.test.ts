import { describe, expect, it } from 'vitest';
import { toJobData } from '../../src/jobs/training-job.js';
import { OPTIMIZERS } from '../../src/ml/optimizer.js';
import { SCHEDULES } from '../../src/ml/schedule.js';
import {
  checkSpace,
  gridPoints,
  gridSize,
  randomPoints,
  SearchSpaceError,
} from '../../src/tuning/search-space.js';
import { checkConflicts, resolvePoint } from '../../src/tuning/trial-conflicts.js';
import { planTrials } from '../../src/tuning/trial-plan.js';
import { baseRecipeOf, trialRequest } from '../../src/tuning/trials.js';
import { type TuningRequest, trialCount } from '../../src/tuning/tuning-request.js';

const ADAM = { optimizer: 'adam' as const, epochs: 5 };
const SGD = { optimizer: 'sgd' as const, epochs: 5 };

describe('categorical dimensions', () => {
  it('grid: crossed with numeric ones, first dimension outermost', () => {
    const space = checkSpace(
      {
        optimizer: { values: ['adamw', 'sgd'] },
        flip: { values: [true, false] },
        labelSmoothing: { values: [0, 0.1] },
      },
      'grid',
    );
    expect(gridSize(space)).toBe(8);
    expect(gridPoints(space).slice(0, 3)).toEqual([
      { optimizer: 'adamw', flip: true, labelSmoothing: 0 },
      { optimizer: 'adamw', flip: true, labelSmoothing: 0.1 },
      { optimizer: 'adamw', flip: false, labelSmoothing: 0 },
    ]);
    expect(gridPoints(space)[7]).toEqual({ optimizer: 'sgd', flip: false, labelSmoothing: 0.1 });
  });

  it('random: draws each listed choice, seeded, beside numeric ranges', () => {
    const space = checkSpace(
      {
        optimizer: { values: [...OPTIMIZERS] },
        schedule: { values: [...SCHEDULES] },
        nesterov: { values: [true, false] },
        clipNorm: { min: 0.5, max: 5, scale: 'log' },
        translate: { min: 0, max: 3 },
      },
      'random',
    );
    const points = randomPoints(space, 200, 11);
    expect(randomPoints(space, 200, 11)).toEqual(points);
    expect(new Set(points.map((p) => p.optimizer))).toEqual(new Set(OPTIMIZERS));
    expect(new Set(points.map((p) => p.schedule))).toEqual(new Set(SCHEDULES));
    expect(new Set(points.map((p) => p.nesterov))).toEqual(new Set([true, false]));
    for (const p of points) {
      expect(p.clipNorm).toBeGreaterThanOrEqual(0.5);
      expect(p.clipNorm).toBeLessThanOrEqual(5);
      expect([0, 1, 2, 3]).toContain(p.translate);
    }
  });

  it.each([
    [
      { optimizer: { values: ['adam', 'adamax'] } },
      'random',
      "space.optimizer: 'adamax' is not one of adam, adamw, sgd, rmsprop",
    ],
    [
      { schedule: { values: ['linear'] } },
      'grid',
      "space.schedule: 'linear' is not one of constant, step, cosine, one-cycle",
    ],
    [{ optimizer: { min: 0, max: 1 } }, 'random', 'space.optimizer: takes a list of values only'],
    [{ optimizer: { values: ['sgd', 'sgd'] } }, 'grid', "space.optimizer: 'sgd' is listed twice"],
    [{ flip: { values: [false, false] } }, 'grid', 'space.flip: false is listed twice'],
    [
      { clipNorm: { values: [0] } },
      'random',
      'space.clipNorm: 0 is not a number above 0 up to 1000',
    ],
    [
      { translate: { values: [1.5] } },
      'grid',
      'space.translate: 1.5 is not an integer from 0 to 8',
    ],
    [{ momentum: { values: [1] } }, 'grid', 'space.momentum: 1 is not a number from 0 to 0.999'],
    [{ labelSmoothing: { min: 0, max: 0.6 } }, 'random', 'space.labelSmoothing: 0.6 is not a'],
    [{ erase: { values: ['0.5'] } }, 'grid', "space.erase: '0.5' is not a number from 0 to 1"],
  ] as const)('refuses %j (%s) naming the field', (space, search, message) => {
    expect(() => checkSpace(space as never, search)).toThrow(SearchSpaceError);
    expect(() => checkSpace(space as never, search)).toThrow(message);
  });

  it('takes repeated values in a random search, where they weigh the draw', () => {
    expect(() =>
      checkSpace({ optimizer: { values: ['sgd', 'sgd', 'adam'] } }, 'random'),
    ).not.toThrow();
  });
});

describe('conflicting settings', () => {
  it.each([
    [
      { momentum: { values: [0.9] } },
      ADAM,
      'space.momentum: applies to optimizer sgd only, and no trial uses it (training.optimizer: adam)',
    ],
    [
      { optimizer: { values: ['adam', 'rmsprop'] }, nesterov: { values: [false] } },
      SGD,
      'space.nesterov: applies to optimizer sgd only, and no trial uses it (space.optimizer: adam, rmsprop)',
    ],
    [
      { nesterov: { values: [true, false] } },
      SGD,
      'space.nesterov: true needs momentum above 0, and training.momentum is not set',
    ],
    [
      { nesterov: { values: [true] }, momentum: { values: [0] } },
      SGD,
      'space.nesterov: true needs momentum above 0, and space.momentum has none',
    ],
    [
      { warmupEpochs: { values: [1, 5] } },
      ADAM,
      'space.warmupEpochs: 5 is not below the fewest epochs a trial runs (5)',
    ],
    [
      { warmupEpochs: { min: 0, max: 2 }, epochs: { values: [2, 10] } },
      ADAM,
      'space.warmupEpochs: 2 is not below the fewest epochs a trial runs (2)',
    ],
    [
      { epochs: { values: [1, 10] } },
      { ...ADAM, warmupEpochs: 2 },
      "space.epochs: 1 is not above the warm-up of the base training's schedule (2 epochs)",
    ],
  ] as const)('refuses a dimension no trial can use: %j over %j', (space, base, message) => {
    expect(() => checkConflicts(space as never, base)).toThrow(SearchSpaceError);
    expect(() => checkConflicts(space as never, base)).toThrow(message);
  });

  it('takes a space where some trials can use each dimension', () => {
    expect(() =>
      checkConflicts(
        {
          optimizer: { values: ['adam', 'sgd'] },
          momentum: { values: [0, 0.9] },
          nesterov: { values: [true, false] },
          warmupEpochs: { values: [0, 2] },
          epochs: { values: [3, 6] },
        },
        ADAM,
      ),
    ).not.toThrow();
  });

  it('leaves sgd-only settings out of other optimizers, and says so', () => {
    expect(resolvePoint({ optimizer: 'adam', momentum: 0.9, nesterov: true }, SGD)).toEqual({
      params: { optimizer: 'adam' },
      adjustments: [
        'momentum 0.9 left out: it applies to optimizer sgd only, not adam',
        'nesterov true left out: it applies to optimizer sgd only, not adam',
      ],
      leaveOut: [],
    });
    // The base training's own sgd settings too, once the space varies the optimizer.
    expect(resolvePoint({ optimizer: 'rmsprop' }, { ...SGD, momentum: 0.8 })).toEqual({
      params: { optimizer: 'rmsprop' },
      adjustments: [
        'training.momentum 0.8 left out: it applies to optimizer sgd only, not rmsprop',
      ],
      leaveOut: ['momentum'],
    });
    expect(resolvePoint({ optimizer: 'sgd', momentum: 0.9, nesterov: true }, ADAM)).toEqual({
      params: { optimizer: 'sgd', momentum: 0.9, nesterov: true },
      adjustments: [],
      leaveOut: [],
    });
  });

  it('leaves nesterov out of a trial without momentum', () => {
    expect(resolvePoint({ momentum: 0, nesterov: true }, SGD)).toEqual({
      params: { momentum: 0 },
      adjustments: ["nesterov true left out: it needs momentum above 0, and this trial's is 0"],
      leaveOut: [],
    });
    expect(resolvePoint({ momentum: 0 }, { ...SGD, nesterov: true }).leaveOut).toEqual([
      'nesterov',
    ]);
  });

  it('every resolved trial passes the checks a training job gets', () => {
    const space = checkSpace(
      {
        optimizer: { values: [...OPTIMIZERS] },
        momentum: { values: [0, 0.9] },
        nesterov: { values: [true, false] },
        schedule: { values: ['cosine', 'one-cycle'] },
        warmupEpochs: { values: [0, 1.5] },
      },
      'grid',
    );
    const base = { preset: 'best' as const, training: { epochs: 3 } };
    checkConflicts(space, baseRecipeOf(base));
    const plan = planTrials(space, baseRecipeOf(base), { search: 'grid', budget: 100, seed: 1 });
    expect(plan.trials.length).toBeGreaterThan(0);
    for (const t of plan.trials) {
      expect(() => toJobData(trialRequest(base, t.params, t.leaveOut))).not.toThrow();
    }
  });
});

describe('grid plans', () => {
  it('skip points that repeat an earlier trial once sgd-only settings are left out', () => {
    const space = checkSpace(
      { optimizer: { values: ['adam', 'sgd'] }, momentum: { values: [0, 0.9] } },
      'grid',
    );
    const plan = planTrials(space, ADAM, { search: 'grid', budget: 10, seed: 1 });
    expect(plan.trials.map((t) => t.params)).toEqual([
      { optimizer: 'adam' },
      { optimizer: 'sgd', momentum: 0 },
      { optimizer: 'sgd', momentum: 0.9 },
    ]);
    expect(plan.skippedRepeats).toBe(1);
    const request = {
      space,
      search: 'grid',
      training: { optimizer: 'adam' },
    } as TuningRequest;
    expect(trialCount(request)).toBe(3);
    // A space the handler will refuse counts its grid points, as it always did.
    expect(trialCount({ ...request, space: { optimizer: { values: ['nope', 'x'] } } })).toBe(2);
  });

  it('take the budget from the distinct trials', () => {
    const space = checkSpace(
      { momentum: { values: [0.5, 0.9] }, optimizer: { values: ['adam', 'sgd', 'adamw'] } },
      'grid',
    );
    const plan = planTrials(space, SGD, { search: 'grid', budget: 4, seed: 1 });
    expect(plan.trials.map((t) => t.params)).toEqual([
      { optimizer: 'adam' },
      { momentum: 0.5, optimizer: 'sgd' },
      { optimizer: 'adamw' },
      { momentum: 0.9, optimizer: 'sgd' },
    ]);
    expect(plan.skippedRepeats).toBe(1);
  });

  it('random search keeps every draw, adjusted', () => {
    const space = checkSpace(
      { optimizer: { values: ['adam', 'sgd'] }, momentum: { min: 0.5, max: 0.99 } },
      'random',
    );
    const plan = planTrials(space, ADAM, { search: 'random', budget: 20, seed: 3 });
    expect(plan.trials).toHaveLength(20);
    for (const t of plan.trials) {
      if (t.params.optimizer === 'sgd') expect(t.params.momentum).toBeGreaterThanOrEqual(0.5);
      else expect(t.params).toEqual({ optimizer: 'adam' });
    }
  });
});

describe('trial requests of training recipes', () => {
  it('map each parameter to its training option', () => {
    const request = trialRequest(
      { training: { epochs: 4 } },
      {
        optimizer: 'sgd',
        momentum: 0.9,
        nesterov: true,
        weightDecay: 0.01,
        labelSmoothing: 0.1,
        clipNorm: 1,
        schedule: 'step',
        translate: 2,
        flip: true,
        erase: 0.25,
      },
    );
    expect(request.training).toEqual({
      epochs: 4,
      optimizer: 'sgd',
      momentum: 0.9,
      nesterov: true,
      weightDecay: 0.01,
      labelSmoothing: 0.1,
      clipNorm: 1,
      schedule: { type: 'step' },
      augment: { translate: 2, flip: true, erase: 0.25 },
    });
  });

  it("warm up the base's schedule, or a constant rate; keep the base's other fields", () => {
    const stepped = { schedule: { type: 'step' as const, stepEpochs: 3 } };
    expect(trialRequest({ training: stepped }, { warmupEpochs: 1 }).training?.schedule).toEqual({
      type: 'step',
      stepEpochs: 3,
      warmupEpochs: 1,
    });
    expect(trialRequest({}, { warmupEpochs: 0.5 }).training?.schedule).toEqual({
      type: 'constant',
      warmupEpochs: 0.5,
    });
    expect(trialRequest({ training: stepped }, { schedule: 'cosine' }).training?.schedule).toEqual({
      type: 'cosine',
      stepEpochs: 3,
    });
  });

  it("start from the preset, varying one part of its augmentation and leaving out what's asked", () => {
    const base = { preset: 'best' as const, training: { epochs: 3, momentum: 0.9 } };
    const request = trialRequest(base, { optimizer: 'adam', erase: 0 }, ['momentum']);
    expect(request.training).toMatchObject({
      epochs: 3,
      optimizer: 'adam',
      weightDecay: 0.02,
      schedule: { type: 'cosine', warmupEpochs: 2 },
      augment: { translate: 2, flip: true, erase: 0 },
    });
    expect(request.training).not.toHaveProperty('momentum');
    // The preset's model too: its dense blocks have dropout.
    expect((request.model as { dense: { dropout?: number }[] }).dense[0]?.dropout).toBe(0.3);
  });
});

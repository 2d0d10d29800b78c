import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedSplit } from '../../src/data/index.js';
import { selectBackend } from '../../src/ml/backend.js';
import type { TrainingEngine } from '../../src/ml/engine.js';
import { LocalEngine } from '../../src/ml/local-engine.js';
import type { OptimizerName } from '../../src/ml/optimizer.js';
import { ParallelEngine } from '../../src/ml/parallel/parallel-engine.js';
import { range } from '../../src/ml/replica.js';
import type { Schedule } from '../../src/ml/schedule.js';
import type { StepInput, StepRecipe } from '../../src/ml/step-recipe.js';
import { type FitOptions, fitModel } from '../../src/ml/train.js';
import { fileCheckpoints } from '../../src/store/checkpoints.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

// Training recipes (schedules, decay, momentum, smoothing, clipping, augmentation) through
// the fit loop on real data: a run stopped and resumed mid-schedule ends at the very same
// weights as a run that never stopped.

let data: SeedSplit;
let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  data = await smallFashionMnist();
  dir = await mkdtemp(join(tmpdir(), 'tailor-recipe-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

interface Recipe {
  optimizer: OptimizerName;
  recipe: StepRecipe;
  learningRate: number;
  schedule: Schedule;
}

const RECIPES: Record<string, Recipe> = {
  'adamw, cosine with warm-up, smoothing, clipping, every augmentation': {
    optimizer: 'adamw',
    learningRate: 0.004,
    schedule: { type: 'cosine', warmupEpochs: 1 },
    recipe: {
      weightDecay: 0.05,
      labelSmoothing: 0.1,
      clipNorm: 0.5,
      augment: { translate: 2, flip: true, erase: 0.5 },
    },
  },
  'sgd with Nesterov momentum, one-cycle': {
    optimizer: 'sgd',
    learningRate: 0.1,
    schedule: { type: 'one-cycle' },
    recipe: { momentum: 0.9, nesterov: true },
  },
  'step schedule': {
    optimizer: 'adam',
    learningRate: 0.003,
    schedule: { type: 'step', stepEpochs: 1, stepFactor: 0.5 },
    recipe: {},
  },
};

/** One replica in this thread, or two data-parallel ones in worker threads. */
async function engineFor(recipe: Recipe, replicas = 1): Promise<TrainingEngine> {
  const options = { spec: SMALL_SPEC, optimizer: recipe.optimizer, seed: 7, recipe: recipe.recipe };
  return replicas > 1
    ? ParallelEngine.start(data, options, { replicas, backend: 'wasm' })
    : new LocalEngine(data, options, 'wasm');
}

async function digest(engine: TrainingEngine): Promise<string> {
  const { weightData } = await engine.exportModel();
  return createHash('sha256').update(new Uint8Array(weightData)).digest('hex');
}

async function trainWith(recipe: Recipe, options: Partial<FitOptions> = {}, replicas = 1) {
  const engine = await engineFor(recipe, replicas);
  try {
    const result = await fitModel(engine, data, {
      epochs: 3,
      batchSize: 50,
      seed: 13,
      learningRate: recipe.learningRate,
      schedule: recipe.schedule,
      ...options,
    });
    return { result, weights: await digest(engine) };
  } finally {
    await engine.dispose();
  }
}

const metrics = (history: { seconds: number; imagesPerSecond: number }[]) =>
  history.map(({ seconds, imagesPerSecond, ...m }) => m);

describe('a training recipe', () => {
  for (const [name, recipe] of Object.entries(RECIPES)) {
    it(`${name}: stopped mid-epoch and resumed, ends at the weights of an uninterrupted run`, async () => {
      const straight = await trainWith(recipe);
      const checkpoints = fileCheckpoints(join(dir, name.replace(/\W+/g, '-')));
      const suspend = new AbortController();
      const first = await trainWith(recipe, {
        checkpoints,
        suspend: suspend.signal,
        onBatch: (p) => {
          if (p.epoch === 2 && p.batch === 4) suspend.abort('shutdown');
        },
      });
      expect(first.result.suspendedAt).toEqual({ epoch: 2, batch: 4 });
      const resumed = await trainWith(recipe, { checkpoints, resume: true });
      expect(resumed.result.initialBatch).toBe(4);
      expect(resumed.weights).toBe(straight.weights);
      expect(metrics(resumed.result.history)).toEqual(metrics(straight.result.history));
    });
  }

  it('reaches data-parallel replicas: the schedule, augmentation and decay each move their weights', async () => {
    // (A resumed data-parallel run is close to, not bit-equal with, a straight one: the
    // replicas' batch-norm statistics are averaged into the checkpoint.)
    const full = RECIPES[
      'adamw, cosine with warm-up, smoothing, clipping, every augmentation'
    ] as Recipe;
    const options = { epochs: 1 };
    const reference = (await trainWith(full, options, 2)).weights;
    expect((await trainWith(full, options, 2)).weights).toBe(reference);
    const variants: Recipe[] = [
      { ...full, schedule: { type: 'constant' } },
      { ...full, recipe: { ...full.recipe, augment: undefined } },
      { ...full, recipe: { ...full.recipe, weightDecay: 0 } },
    ];
    for (const variant of variants) {
      expect((await trainWith(variant, options, 2)).weights).not.toBe(reference);
    }
  });

  it('changes training: the recipe, the schedule and the augmentation each move the weights', async () => {
    const full = RECIPES[
      'adamw, cosine with warm-up, smoothing, clipping, every augmentation'
    ] as Recipe;
    const options = { epochs: 1 };
    const reference = (await trainWith(full, options)).weights;
    const variants: Recipe[] = [
      { ...full, schedule: { type: 'constant' } },
      { ...full, recipe: { ...full.recipe, augment: undefined } },
      { ...full, recipe: { ...full.recipe, labelSmoothing: 0 } },
      { ...full, recipe: { ...full.recipe, weightDecay: 0 } },
      { ...full, recipe: { ...full.recipe, clipNorm: undefined } },
    ];
    for (const variant of variants) {
      expect((await trainWith(variant, options)).weights).not.toBe(reference);
    }
  });

  it('steps at the rate it is given: at rate 0, SGD leaves every trainable weight as it was', async () => {
    const engine = new LocalEngine(data, { spec: SMALL_SPEC, optimizer: 'sgd', seed: 3 }, 'wasm');
    const trainable = () =>
      engine.model.trainableWeights.map((w) => Array.from(w.read().dataSync() as Float32Array));
    const before = trainable();
    await engine.trainBatch(range(50), { learningRate: 0, augmentSeed: 1 });
    expect(trainable()).toEqual(before);
    await engine.trainBatch(range(50), { learningRate: 0.1, augmentSeed: 1 });
    expect(trainable()).not.toEqual(before);
    await engine.dispose();
  });
});

describe('early stopping', () => {
  it("stops once val_acc stalls for `patience` epochs and ends with the best epoch's weights", async () => {
    const checkpoints = fileCheckpoints(join(dir, 'patience'));
    const engine = new LocalEngine(data, { spec: SMALL_SPEC, optimizer: 'sgd', seed: 7 }, 'wasm');
    // After the first epoch, steps at a rate that wrecks the model: later epochs are worse.
    let epoch = 0;
    const wrecking: TrainingEngine = Object.create(engine, {
      trainBatch: {
        value: (rows: Int32Array, step?: StepInput) =>
          engine.trainBatch(rows, { augmentSeed: 0, ...step, learningRate: epoch > 1 ? 50 : 0.1 }),
      },
    });
    const result = await fitModel(wrecking, data, {
      epochs: 5,
      batchSize: 50,
      seed: 13,
      checkpoints,
      onEpochStart: (e) => {
        epoch = e;
      },
      earlyStopping: { patience: 2 },
    });
    expect(result.status).toBe('completed');
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(result.stoppedEarly).toMatchObject({ epoch: 3 });
    expect(result.stoppedEarly?.reason).toMatch(/for 2 epochs since epoch 1/);
    expect(result.bestCheckpoint).toMatch(/^epoch-01-/);
    const last = result.history.at(-1)?.val_acc as number;
    expect(last).toBeLessThan(result.bestValAcc);
    const best = await checkpoints.loadBest(result.bestCheckpoint as string);
    const restored = await engine.exportModel();
    expect(new Uint8Array(restored.weightData)).toEqual(new Uint8Array(best.artifacts.weightData));
    await engine.dispose();
  });
});

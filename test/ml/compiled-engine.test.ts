import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/ml/backend.js';
import { CompiledEngine } from '../../src/ml/compiled/compiled-engine.js';
import { type GraphAddon, loadGraphAddon } from '../../src/ml/compiled/graph-addon.js';
import type { TrainingEngine } from '../../src/ml/engine.js';
import { LocalEngine } from '../../src/ml/local-engine.js';
import { importWeights } from '../../src/ml/model-state.js';
import type { OptimizerName } from '../../src/ml/optimizer.js';
import { type ReplicaOptions, range } from '../../src/ml/replica.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import type { StepInput, StepRecipe } from '../../src/ml/step-recipe.js';
import { RUN_NATIVE_TESTS } from '../support/native.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

// The compiled training step (one TensorFlow graph per step, native/tailor_graph.cc)
// against tfjs' eager step on the same backend, weights and batches.

/** SMALL_SPEC with dropout, so that the masks the graph is fed are checked too. */
const SPEC = parseSpec({
  conv: SMALL_SPEC.conv,
  dense: [{ neurons: 32, dropout: 0.3 }, { dropout: 0.2 }],
});

function addon(): GraphAddon {
  const loaded = loadGraphAddon();
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

async function engines(optimizer: OptimizerName, seed = 3, recipe?: StepRecipe) {
  await selectBackend('tensorflow');
  const data = await smallFashionMnist();
  const options: ReplicaOptions = { spec: SPEC, optimizer, seed, recipe };
  return {
    data,
    eager: new LocalEngine(data, options, 'tensorflow'),
    compiled: new CompiledEngine(addon(), data, options, 'tensorflow'),
  };
}

const batch = (s: number) => range(50).map((r) => (r + 50 * s) % 600);

async function steps(
  engine: TrainingEngine,
  from: number,
  to: number,
  step?: (s: number) => StepInput,
) {
  const losses: number[] = [];
  for (let s = from; s < to; s++) losses.push((await engine.trainBatch(batch(s), step?.(s))).loss);
  return losses;
}

/** Every weight (trainable and moving statistics) by name, from the engine's export. */
async function weightsOf(engine: TrainingEngine): Promise<Map<string, Float32Array>> {
  const artifacts = await engine.exportModel();
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, new Float32Array(artifacts.weightData.slice(offset, offset + size * 4)));
    offset += size * 4;
  }
  return out;
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...a.keys()]).toEqual([...b.keys()]);
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name) as Float32Array;
    for (let i = 0; i < x.length; i++)
      worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return worst;
}

describe.skipIf(!RUN_NATIVE_TESTS)('the compiled training step', () => {
  it('is built by setup wherever native TensorFlow is', () => {
    expect(loadGraphAddon()).not.toBeInstanceOf(Error);
    expect(addon().version()).toMatch(/^2\.21\./);
  });

  for (const optimizer of ['adam', 'sgd', 'rmsprop'] as const) {
    it(`ends ${optimizer} steps where the eager step ends, dropout and batch-norm statistics included`, async () => {
      const { eager, compiled } = await engines(optimizer);
      const initial = await weightsOf(eager);
      expect(maxDiff(await weightsOf(compiled), initial)).toBe(0);
      const eagerLosses = await steps(eager, 0, 5);
      const compiledLosses = await steps(compiled, 0, 5);
      const [after, afterCompiled] = [await weightsOf(eager), await weightsOf(compiled)];
      const moved = maxDiff(after, initial);
      expect(moved).toBeGreaterThan(0.01);
      // Sums run in another order in the graph (fused kernels): the gradients agree to a few
      // digits, far below what training moved the weights.
      expect(maxDiff(afterCompiled, after)).toBeLessThan(moved / 20);
      compiledLosses.forEach((loss, i) => {
        expect(loss).toBeCloseTo(eagerLosses[i] as number, 3);
      });
      await Promise.all([eager.dispose(), compiled.dispose()]);
    });
  }

  const RECIPES: [string, OptimizerName, StepRecipe][] = [
    [
      'adamw with clipping, label smoothing and augmentation',
      'adamw',
      {
        weightDecay: 0.05,
        clipNorm: 0.5,
        labelSmoothing: 0.1,
        augment: { translate: 2, flip: true, erase: 0.5 },
      },
    ],
    ['sgd with Nesterov momentum', 'sgd', { momentum: 0.9, nesterov: true }],
    ['sgd with momentum and decoupled decay', 'sgd', { momentum: 0.8, weightDecay: 0.01 }],
  ];
  for (const [name, optimizer, recipe] of RECIPES) {
    it(`ends ${name} steps at a changing learning rate where the eager step ends`, async () => {
      const { eager, compiled } = await engines(optimizer, 5, recipe);
      const initial = await weightsOf(eager);
      const base = optimizer === 'sgd' ? 0.01 : 0.003;
      const step = (s: number) => ({ learningRate: (base * (1 + s)) / 5, augmentSeed: 77 + s });
      const eagerLosses = await steps(eager, 0, 5, step);
      const compiledLosses = await steps(compiled, 0, 5, step);
      const [after, afterCompiled] = [await weightsOf(eager), await weightsOf(compiled)];
      const moved = maxDiff(after, initial);
      expect(moved).toBeGreaterThan(0.01);
      expect(maxDiff(afterCompiled, after)).toBeLessThan(moved / 20);
      // Momentum carries the float differences of the fused kernels from step to step.
      const digits = recipe.momentum ? 2 : 3;
      compiledLosses.forEach((loss, i) => {
        expect(loss).toBeCloseTo(eagerLosses[i] as number, digits);
      });
      // The slots are saved in tfjs' layout: the eager optimizer takes the compiled one's.
      await eager.importState(await compiled.exportModel(), await compiled.exportOptimizer());
      await Promise.all([eager.dispose(), compiled.dispose()]);
    });
  }

  it('saves optimizer state that the eager step continues from, and continues from its', async () => {
    const { data, eager, compiled } = await engines('adam', 9);
    const reference = new LocalEngine(
      data,
      { spec: SPEC, optimizer: 'adam', seed: 9 },
      'tensorflow',
    );
    await steps(reference, 0, 6);
    // compiled for 3 steps, then eager for 3 from its checkpoint. The dropout stream is
    // the model's, not the checkpoint's: the eager engine draws the same 3 masks first.
    await steps(compiled, 0, 3);
    await steps(eager, 0, 3);
    await eager.importState(await compiled.exportModel(), await compiled.exportOptimizer());
    await steps(eager, 3, 6);
    const viaCompiled = await weightsOf(eager);
    const expected = await weightsOf(reference);
    const moved = maxDiff(expected, await weightsOf(compiled));
    expect(maxDiff(viaCompiled, expected)).toBeLessThan(moved / 10);

    // ...and the other way: eager for 3 steps, compiled for 3 from its checkpoint.
    const eager2 = new LocalEngine(data, { spec: SPEC, optimizer: 'adam', seed: 9 }, 'tensorflow');
    const compiled2 = new CompiledEngine(
      addon(),
      data,
      { spec: SPEC, optimizer: 'adam', seed: 9 },
      'tensorflow',
    );
    await steps(eager2, 0, 3);
    await steps(compiled2, 0, 3); // advances its dropout stream as the eager one did
    await compiled2.importState(await eager2.exportModel(), await eager2.exportOptimizer());
    await steps(compiled2, 3, 6);
    expect(maxDiff(await weightsOf(compiled2), expected)).toBeLessThan(moved / 10);
    await Promise.all([eager, compiled, reference, eager2, compiled2].map((e) => e.dispose()));
  });

  it('evaluates with the weights it trained', async () => {
    const { data, eager, compiled } = await engines('adam', 4);
    await steps(compiled, 0, 8);
    importWeights(eager.model, await compiled.exportModel());
    const [a, b] = [await compiled.evaluate('val'), await eager.evaluate('val')];
    expect(Array.from(a.predicted)).toEqual(Array.from(b.predicted));
    expect(a.lossSum).toBeCloseTo(b.lossSum, 4);
    const right = a.predicted.filter((p, i) => p === data.val.labels[i]).length;
    expect(right / data.val.count).toBeGreaterThan(0.3);
    await Promise.all([eager.dispose(), compiled.dispose()]);
  });
});

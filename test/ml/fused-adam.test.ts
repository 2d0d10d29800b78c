import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/ml/backend.js';
import { FusedAdam } from '../../src/ml/fused-adam.js';
import { exportOptimizer, importOptimizer } from '../../src/ml/model-state.js';
import { mulberry32 } from '../../src/ml/random.js';

const rand = mulberry32(99);
const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Runs `steps` updates with fixed random gradients; returns the variables' final values. */
function train(optimizer: tf.Optimizer, start: Float32Array[], grads: Float32Array[][]) {
  const variables = start.map((v, i) => tf.variable(tf.tensor(v), true, `w${i}_${rand()}`));
  for (const step of grads) {
    const map: tf.NamedTensorMap = {};
    variables.forEach((v, i) => {
      map[v.name] = tf.tensor(step[i] as Float32Array);
    });
    optimizer.applyGradients(map);
    tf.dispose(Object.values(map));
  }
  const out = variables.map((v) => v.dataSync() as Float32Array);
  tf.dispose(variables);
  return out;
}

describe('FusedAdam', () => {
  const start = [values(300), values(7)];
  const grads = Array.from({ length: 5 }, () => [values(300), values(7)]);

  it('is told apart from the stock optimizers, which tfjs lets pass any instanceof test', () => {
    expect(new FusedAdam(0.01) instanceof FusedAdam).toBe(true);
    for (const stock of [tf.train.adam(0.01), tf.train.sgd(0.01), tf.train.rmsprop(0.01)]) {
      expect(stock instanceof FusedAdam).toBe(false);
      stock.dispose();
    }
  });

  it('makes the same updates as tf.train.adam', () => {
    const ours = train(new FusedAdam(0.01), start, grads);
    const theirs = train(tf.train.adam(0.01), start, grads);
    ours.forEach((w, i) => {
      const want = theirs[i] as Float32Array;
      for (let j = 0; j < w.length; j++) expect(w[j]).toBeCloseTo(want[j] as number, 5);
    });
    // Sanity: five steps of 0.01 moved the weights.
    expect(Math.abs((ours[0]?.[0] as number) - (start[0]?.[0] as number))).toBeGreaterThan(0.01);
  });

  it('continues exactly after its state is saved and restored', async () => {
    const straight = train(new FusedAdam(0.01), start, grads);
    const first = new FusedAdam(0.01);
    const midway = train(first, start, grads.slice(0, 2));
    const saved = await first.getWeights();
    expect(saved.map((s) => s.name)[0]).toBe('iter');
    const second = new FusedAdam(0.01);
    await second.setWeights(saved);
    tf.dispose(saved.map((s) => s.tensor));
    const resumed = train(second, midway, grads.slice(2));
    expect(resumed).toEqual(straight);
  });

  it("hands its state to tf.train.adam (the native backends' optimizer) in the variables' shapes", async () => {
    const shapes = [[20, 15], [7]];
    const init = [values(300), values(7)];
    const steps = Array.from({ length: 4 }, () => [values(300), values(7)]);
    const names = [`conv_${rand()}/kernel`, `conv_${rand()}/bias`];
    /** Shaped variables named as a model's would be. */
    const make = (from: Float32Array[]) =>
      from.map((v, i) => tf.variable(tf.tensor(v, shapes[i]), true, names[i]));
    const step = (optimizer: tf.Optimizer, variables: tf.Variable[], grads: Float32Array[][]) => {
      for (const g of grads) {
        const map = Object.fromEntries(
          variables.map((v, i) => [v.name, tf.tensor(g[i] as Float32Array, shapes[i])]),
        );
        optimizer.applyGradients(map);
        tf.dispose(Object.values(map));
      }
      const out = variables.map((v) => v.dataSync() as Float32Array);
      tf.dispose(variables);
      return out;
    };
    const straight = step(new FusedAdam(0.01), make(init), steps);

    for (const legacyFlat of [false, true]) {
      const fused = new FusedAdam(0.01);
      const midway = step(fused, make(init), steps.slice(0, 2));
      const state = await exportOptimizer(fused);
      expect(state.weightSpecs.slice(1).map((w) => w.shape)).toEqual([...shapes, ...shapes]);
      // Checkpoints written before slots kept their shape hold them flat.
      if (legacyFlat) {
        for (const w of state.weightSpecs.slice(1)) w.shape = [w.shape.reduce((a, b) => a * b, 1)];
      }
      const adam = tf.train.adam(0.01);
      const variables = make(midway);
      await importOptimizer(adam, state);
      step(adam, variables, steps.slice(2)).forEach((w, i) => {
        const want = straight[i] as Float32Array;
        for (let j = 0; j < w.length; j++) expect(w[j]).toBeCloseTo(want[j] as number, 5);
      });
      adam.dispose();
    }
  });

  it("saves a stock optimizer's state without disposing the slots it goes on using", async () => {
    const adam: tf.Optimizer = tf.train.adam(0.01);
    const w = tf.variable(tf.tensor(values(6), [2, 3]), true, `w_${rand()}`);
    const grad = (): tf.NamedTensorMap => ({ [w.name]: tf.tensor(values(6), [2, 3]) });
    for (let step = 0; step < 2; step++) {
      const g = grad();
      adam.applyGradients(g);
      tf.dispose(Object.values(g));
      const state = await exportOptimizer(adam);
      expect(state.weightSpecs.map((s) => s.name)).toEqual(['iter', `${w.name}/m`, `${w.name}/v`]);
    }
    tf.dispose(w);
    adam.dispose();
  });
});

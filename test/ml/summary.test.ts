import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../src/ml/model.js';
import { DEFAULT_SPEC } from '../../src/ml/spec.js';
import { summarize } from '../../src/ml/summary.js';

const SEED_SUMMARY = readFileSync(new URL('../fixtures/seed-summary.txt', import.meta.url), 'utf8');

/** Null when equal, otherwise where and how the two texts first part. */
function firstDifference(actual: string, expected: string): string | null {
  const actualLines = actual.split('\n');
  const expectedLines = expected.split('\n');
  const count = Math.max(actualLines.length, expectedLines.length);
  for (let i = 0; i < count; i++) {
    if (actualLines[i] !== expectedLines[i]) {
      return `line ${i + 1}:\n  got      ${JSON.stringify(actualLines[i])}\n  expected ${JSON.stringify(expectedLines[i])}`;
    }
  }
  return null;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('summarize', () => {
  it('reproduces the seed notebook summary table of the default model', () => {
    const model = createModel(DEFAULT_SPEC);
    try {
      // The fixture keeps the notebook's trailing spaces and ends with a newline.
      expect(firstDifference(summarize(model), SEED_SUMMARY.replace(/\n$/, ''))).toBeNull();
    } finally {
      model.dispose();
    }
  });

  it('uses the model name in the header and Keras layout for a small model', () => {
    const model = createModel(
      { ...DEFAULT_SPEC, conv: [], dense: [{ neurons: 10, activation: 'softmax', dropout: 0 }] },
      { name: 'tiny' },
    );
    try {
      expect(summarize(model).split('\n')).toEqual([
        'Model: "tiny"',
        '_'.repeat(65),
        'Layer (type)                 Output Shape              Param #   ',
        '='.repeat(65),
        'input_1 (InputLayer)         (None, 28, 28, 1)         0         ',
        '_'.repeat(65),
        'flatten_1 (Flatten)          (None, 784)               0         ',
        '_'.repeat(65),
        'fc0_bn (BatchNormalization)  (None, 784)               3136      ',
        '_'.repeat(65),
        'fc0_drop (Dropout)           (None, 784)               0         ',
        '_'.repeat(65),
        'fc0_act (Dense)              (None, 10)                7850      ',
        '='.repeat(65),
        'Total params: 10,986',
        'Trainable params: 9,418',
        'Non-trainable params: 1,568',
        '_'.repeat(65),
      ]);
    } finally {
      model.dispose();
    }
  });
});

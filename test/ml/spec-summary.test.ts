import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/ml/backend.js';
import { createModel } from '../../src/ml/model.js';
import { parameterCount } from '../../src/ml/model-params.js';
import { DEFAULT_SPEC } from '../../src/ml/spec.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { summarizeSpec } from '../../src/ml/spec-summary.js';
import { summarize } from '../../src/ml/summary.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('summarizeSpec (no model built)', () => {
  it("equals the seed's table for the default spec", async () => {
    const seed = await readFile('test/fixtures/seed-summary.txt', 'utf8');
    expect(summarizeSpec(DEFAULT_SPEC)).toBe(seed.trimEnd());
  });

  it.each([
    { conv: [{ channels: 6, filter: 5, stride: 2, pad: 2, pool: 1 }], dense: [{ neurons: 10 }] },
    {
      inputShape: [32, 24, 3],
      conv: [
        { channels: 4, pool: 2 },
        { channels: 9, filter: 1, pool: 3 },
      ],
    },
    { conv: [], dense: [{ neurons: 64, dropout: 0.3 }, { neurons: 7 }], numClasses: 7 },
  ])('equals the built model summary and trainable count for %j', (json) => {
    const spec = parseSpec(json);
    const model = createModel(spec);
    expect(summarizeSpec(spec)).toBe(summarize(model));
    expect(parameterCount(spec)).toBe(model.countParams() - nonTrainable(model));
    model.dispose();
  });
});

function nonTrainable(model: ReturnType<typeof createModel>): number {
  let total = 0;
  for (const weight of model.nonTrainableWeights) {
    total += weight.shape.reduce<number>((n, d) => n * (d ?? 1), 1);
  }
  return total;
}

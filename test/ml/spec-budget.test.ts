import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC } from '../../src/ml/spec.js';
import {
  activationBytes,
  checkSpecBudget,
  DEFAULT_SPEC_LIMITS,
  SpecBudgetError,
  specCost,
} from '../../src/ml/spec-budget.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { summarizeSpec } from '../../src/ml/spec-summary.js';
import { trialRequest } from '../../src/tuning/trials.js';

/** "Total params: 3,467,402" of the summary table, as a number. */
function summaryTotal(json: unknown): number {
  const line = summarizeSpec(parseSpec(json))
    .split('\n')
    .find((l) => l.startsWith('Total params: '));
  return Number(line?.slice('Total params: '.length).replaceAll(',', ''));
}

function refusal(json: unknown, batchSize = 50): SpecBudgetError {
  try {
    checkSpecBudget(parseSpec(json), batchSize);
  } catch (error) {
    if (error instanceof SpecBudgetError) return error;
    throw error;
  }
  throw new Error(`within budget: ${JSON.stringify(json)}`);
}

const SPECS = [
  {},
  { conv: [{ channels: 6, filter: 5, stride: 2, pad: 2, pool: 1 }], dense: [{ neurons: 10 }] },
  {
    inputShape: [32, 24, 3],
    conv: [
      { channels: 4, pool: 2 },
      { channels: 9, filter: 1, pool: 3 },
    ],
  },
  { conv: [], dense: [{ neurons: 64, dropout: 0.3 }, { neurons: 7 }], numClasses: 7 },
  trialRequest({}, { neurons: 8192, channels: 64, blocks: 4 }).model,
];

describe('specCost', () => {
  it.each(SPECS)('counts the parameters the summary table counts for %j', (json) => {
    expect(specCost(parseSpec(json)).parameters).toBe(summaryTotal(json));
  });

  it("figures the seed model's forward pass", () => {
    const cost = specCost(DEFAULT_SPEC);
    expect(cost.parameters).toBe(3_467_402);
    // Multiply-adds of conv1 alone: 28 x 28 outputs x 64 channels x 3 x 3 x 32 inputs.
    const conv1 = 2 * 28 * 28 * 64 * 9 * 32;
    expect(cost.flopsPerImage).toBeGreaterThan(2 * conv1);
    expect(cost.flopsPerImage).toBeLessThan(70e6);
    // The largest layer output is conv1's: 28 x 28 x 64.
    expect(cost.largestActivation).toBe(28 * 28 * 64);
    expect(activationBytes(cost, 50)).toBe(50 * 4 * (cost.activationsPerImage + 2 * 50176));
    expect(activationBytes(cost, 100)).toBe(2 * activationBytes(cost, 50));
  });
});

describe('checkSpecBudget with the default limits', () => {
  it('admits the seed model up to batches of 2,000 and the widest tuning architectures', () => {
    expect(() => checkSpecBudget(DEFAULT_SPEC, 50)).not.toThrow();
    expect(() => checkSpecBudget(DEFAULT_SPEC, 2000)).not.toThrow();
    for (const params of [{ neurons: 8192 }, { channels: 64, blocks: 4 }, { channels: 256 }]) {
      const spec = parseSpec(trialRequest({}, params).model);
      expect(() => checkSpecBudget(spec, 64)).not.toThrow();
    }
  });

  it('refuses too many parameters, naming the count and the limit', () => {
    const error = refusal({ dense: [{ neurons: 65536 }, { neurons: 10 }] });
    expect(error.figure).toBe('parameters');
    expect(error.code).toBe('MODEL_TOO_LARGE');
    expect(error.message).toContain('412,143,498 parameters');
    expect(error.message).toContain('limit of 100,000,000');
  });

  it('refuses a large input, whose activations no batch can hold', () => {
    const error = refusal({ inputShape: [4096, 4096, 1], conv: [{ channels: 8, pool: 256 }] });
    expect(error.figure).toBe('activation memory');
    expect(error.value).toBeGreaterThan(DEFAULT_SPEC_LIMITS.maxActivationBytes);
    expect(error.message).toMatch(/batch of 50 images needs about [\d,]+ MB/);
    expect(error.message).toContain('limit of 4,096 MB');
  });

  it('refuses the seed model at a batch too large for its activations', () => {
    const error = refusal({}, 4096);
    expect(error.figure).toBe('activation memory');
    expect(error.message).toContain('batch of 4096 images');
  });

  it('refuses a model whose forward pass is too slow per image', () => {
    const error = refusal({
      conv: [
        { channels: 1024, pool: 2 },
        { channels: 4096, pool: 7 },
      ],
      dense: [{ neurons: 10 }],
    });
    expect(error.figure).toBe('FLOPs per image');
    expect(error.message).toMatch(/needs [\d,]+ MFLOPs per image, over the limit of 10,000 MFLOPs/);
  });

  it('applies the limits it is given', () => {
    const limits = { ...DEFAULT_SPEC_LIMITS, maxParameters: 1_000_000 };
    expect(() => checkSpecBudget(DEFAULT_SPEC, 50, limits)).toThrow(/3,467,402 parameters/);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, SPEC_CAPS, SpecError } from '../../src/ml/spec.js';
import { parseSpec } from '../../src/ml/spec-parse.js';

/** The SpecError parseSpec throws for `json`. */
function refusal(json: unknown): SpecError {
  try {
    parseSpec(json);
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error(`parseSpec accepted ${JSON.stringify(json).slice(0, 80)}`);
}

const seedBlock = DEFAULT_SPEC.conv[0];

describe('parseSpec caps absurd sizes before any arithmetic', () => {
  it.each([
    [{ dense: [{ neurons: 1e9 }, { neurons: 10 }] }, 'dense[0].neurons', '1000000000'],
    [{ conv: [{ channels: 2 ** 53 }] }, 'conv[0].channels', '9007199254740992'],
    [{ conv: [{ filter: 100000, pad: 100000 }] }, 'conv[0].pad', '100000'],
    [{ conv: [{ filter: 100000 }] }, 'conv[0].filter', '100000'],
    [{ conv: [{ stride: 1e6 }] }, 'conv[0].stride', '1000000'],
    [{ conv: [{ pool: 1e6 }] }, 'conv[0].pool', '1000000'],
    [{ numClasses: 1e7 }, 'numClasses', '10000000'],
  ])('%j: too_large naming %s, the value and the cap', (json, field, value) => {
    const error = refusal(json);
    expect(error.code).toBe('too_large');
    expect(error.field).toBe(field);
    expect(error.message).toContain(value);
    expect(error.message).toMatch(/at most \d+/);
  });

  it('caps the number of blocks before reading any of them', () => {
    const conv = Array.from({ length: 1000 }, () => seedBlock);
    const error = refusal({ conv });
    expect({ code: error.code, field: error.field }).toEqual({ code: 'too_large', field: 'conv' });
    expect(error.message).toContain(`at most ${SPEC_CAPS.convBlocks} blocks, got 1000`);
    const dense = [...Array.from({ length: 1000 }, () => ({ neurons: 8 })), { neurons: 10 }];
    expect(refusal({ dense }).field).toBe('dense');
  });

  it('caps the input shape', () => {
    const error = refusal({ inputShape: [100000, 100000, 1] });
    expect(error.code).toBe('too_large');
    expect(error.field).toBe('inputShape');
    expect(error.message).toContain(`at most ${SPEC_CAPS.imageSide}`);
    expect(error.message).toContain('[100000,100000,1]');
    expect(refusal({ inputShape: [28, 28, 1e9] }).code).toBe('too_large');
  });

  it('admits the seed spec and sizes up to every cap', () => {
    expect(parseSpec({})).toEqual(DEFAULT_SPEC);
    const wide = parseSpec({
      conv: [{ channels: SPEC_CAPS.channels, filter: 3, pool: 1 }],
      dense: [{ neurons: SPEC_CAPS.neurons }, {}],
    });
    expect(wide.conv[0]?.channels).toBe(SPEC_CAPS.channels);
    expect(parseSpec({ numClasses: SPEC_CAPS.classes }).numClasses).toBe(SPEC_CAPS.classes);
  });
});

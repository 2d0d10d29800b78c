import { describe, expect, it } from 'vitest';
import { summarize, validationDetails } from '../../src/api/validation-details.js';

describe('validationDetails', () => {
  it('names unknown and missing keys as reported by TypeBox', () => {
    const details = validationDetails(
      [
        { keyword: 'boolean', schemaPath: '#/additionalProperties', instancePath: '/extra' },
        {
          keyword: 'additionalProperties',
          instancePath: '',
          params: { additionalProperties: ['extra'] },
        },
        {
          keyword: 'required',
          instancePath: '/training',
          params: { requiredProperties: ['epochs'] },
        },
      ],
      'body',
    );
    expect(details).toEqual([
      { path: '/body/extra', message: 'is not allowed' },
      { path: '/body/training/epochs', message: 'is required' },
    ]);
  });

  it('names unknown and missing keys as reported by Ajv', () => {
    const details = validationDetails(
      [
        {
          keyword: 'additionalProperties',
          instancePath: '/spec',
          params: { additionalProperty: 'a/b' },
        },
        { keyword: 'required', instancePath: '', params: { missingProperty: 'name' } },
      ],
      'body',
    );
    expect(details).toEqual([
      { path: '/body/spec/a~1b', message: 'is not allowed' },
      { path: '/body/name', message: 'is required' },
    ]);
  });

  it('keeps at most the given number of details and summarizes the rest', () => {
    const issues = Array.from({ length: 50 }, (_, i) => ({
      keyword: 'type',
      instancePath: `/${i}`,
      message: 'must be number',
    }));
    const details = validationDetails(issues, 'body', 3);
    expect(details).toHaveLength(3);
    expect(summarize(details)).toBe('/body/0 must be number (and 2 more)');
  });
});

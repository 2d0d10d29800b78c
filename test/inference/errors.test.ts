import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/inference/errors.js';

describe('InputError', () => {
  it('carries the HTTP status of its code', () => {
    expect(new InputError('IMAGE_NOT_SUPPORTED', 'x').statusCode).toBe(415);
    expect(new InputError('IMAGE_TOO_LARGE', 'x').statusCode).toBe(413);
    for (const code of [
      'IMAGE_CORRUPT',
      'INSTANCE_INVALID',
      'PIXEL_OUT_OF_RANGE',
      'OPTION_INVALID',
    ] as const) {
      expect(new InputError(code, 'x').statusCode).toBe(400);
    }
  });

  it('prefixes the message with its path, once, when relocated', () => {
    const inner = new InputError('IMAGE_CORRUPT', 'PNG is truncated');
    expect(inner).toMatchObject({ path: undefined, message: 'PNG is truncated' });

    const located = inner.at('instances[2]').at('instances[3]');
    expect(located).toBeInstanceOf(InputError);
    expect(located).toMatchObject({
      name: 'InputError',
      code: 'IMAGE_CORRUPT',
      statusCode: 400,
      path: 'instances[3]',
      detail: 'PNG is truncated',
      message: 'instances[3]: PNG is truncated',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/inference/errors.js';

describe('InputError', () => {
  it('prefixes the message with its path, once, when relocated', () => {
    const inner = new InputError('IMAGE_CORRUPT', 'PNG is truncated');
    expect(inner).toMatchObject({ path: undefined, message: 'PNG is truncated' });

    const located = inner.at('instances[2]').at('instances[3]');
    expect(located).toBeInstanceOf(InputError);
    expect(located).toMatchObject({
      name: 'InputError',
      code: 'IMAGE_CORRUPT',
      path: 'instances[3]',
      detail: 'PNG is truncated',
      message: 'instances[3]: PNG is truncated',
    });
  });
});

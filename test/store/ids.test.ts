import { describe, expect, it } from 'vitest';
import { assertId, isValidFileName, isValidId } from '../../src/store/ids.js';
import { StoreError } from '../../src/store/store-errors.js';

const HOSTILE = [
  '',
  '.',
  '..',
  '../x',
  '..\\x',
  'a/b',
  '/etc/passwd',
  'C:\\models',
  '%2e%2e',
  '%2e%2e%2fx',
  'a\u0000b',
  'abc\n',
  ' abc',
  'a b',
  '-leading-dash',
  '_leading-underscore',
  'x'.repeat(65),
  'modèle',
  'mоdel', // Cyrillic 'о'
  '１２３', // fullwidth digits
  'a.b',
  'a:b',
  'a*',
];

describe('ids', () => {
  it.each(HOSTILE)('rejects %j with INVALID_ID naming the id and the rule', (id) => {
    expect(isValidId(id)).toBe(false);
    let thrown: unknown;
    try {
      assertId(id, 'job');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    const error = thrown as StoreError;
    expect(error.code).toBe('INVALID_ID');
    expect(error.message).toContain('invalid job id');
    expect(error.message).toContain(JSON.stringify(id.slice(0, 80)).slice(0, -1));
    expect(error.message).toContain("'_' or '-'");
  });

  it('rejects values that are not strings', () => {
    for (const value of [undefined, null, 42, {}, ['a']]) {
      expect(() => assertId(value)).toThrow(/invalid model id \(a \w+\)/);
    }
  });

  it('accepts letters, digits, underscore and dash up to 64 characters', () => {
    for (const id of ['1', 'a', 'Z9', 'job_42-retry', '0123', 'x'.repeat(64)]) {
      expect(assertId(id)).toBe(id);
    }
  });

  it('shortens very long ids in the message', () => {
    expect(() => assertId('y'.repeat(10_000))).toThrow(/"y{80}\.\.\." \(10000 characters\)/);
  });

  it('allows dots inside file names but never a leading dot or a separator', () => {
    expect(isValidFileName('model.json')).toBe(true);
    expect(isValidFileName('group1-shard1of2.bin')).toBe(true);
    for (const name of ['.', '..', '.hidden', 'a/b', '../x', 'a\\b', '', 'é.bin']) {
      expect(isValidFileName(name)).toBe(false);
    }
  });
});

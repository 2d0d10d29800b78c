import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPublicRoute, mayCall, scopesFor } from '../../src/api/auth-scopes.js';
import {
  formatApiKeyEntry,
  generateApiKey,
  hashApiKey,
  MAX_PER_MINUTE,
  parseApiKeys,
  SCOPES,
} from '../../src/auth-keys.js';
import { ConfigError, readConfig } from '../../src/config.js';

describe('API keys', () => {
  it('are random, prefixed, 32 bytes of base64url', () => {
    const keys = new Set(Array.from({ length: 50 }, generateApiKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^tlr_[A-Za-z0-9_-]{43}$/);
  });

  it('are configured by their SHA-256, never by the key', () => {
    const key = generateApiKey();
    const sha256 = createHash('sha256').update(key).digest('hex');
    expect(hashApiKey(key)).toBe(sha256);
    expect(parseApiKeys(`ci:train:${sha256}`)).toEqual([{ name: 'ci', scopes: ['train'], sha256 }]);
    // A key pasted where the hash belongs is refused, and the message does not repeat it.
    expect(() => parseApiKeys(`ci:train:${key}`)).toThrow(/64 hex digits/);
    expect(() => parseApiKeys(`ci:train:${key}`)).not.toThrow(key);
  });

  it('round-trip through their TAILOR_API_KEYS entries, in any separator', () => {
    const perMinute = fc.integer({ min: 0, max: MAX_PER_MINUTE });
    const entry = fc.record(
      {
        name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
        scopes: fc.subarray([...SCOPES], { minLength: 1 }),
        sha256: fc
          .uint8Array({ minLength: 32, maxLength: 32 })
          .map((b) => Buffer.from(b).toString('hex')),
        // An entry without limits of its own reads back without them, not as {}.
        limits: fc
          .record({ predictPerMinute: perMinute, jobsPerMinute: perMinute }, { requiredKeys: [] })
          .filter((limits) => Object.keys(limits).length > 0),
      },
      { requiredKeys: ['name', 'scopes', 'sha256'] },
    );
    const entries = fc
      .uniqueArray(entry, {
        selector: (e) => e.name,
        maxLength: 5,
      })
      .filter((list) => new Set(list.map((e) => e.sha256)).size === list.length);
    fc.assert(
      fc.property(entries, fc.constantFrom(',', '\n', ' ,\n\t'), (list, separator) => {
        const text = list.map(formatApiKeyEntry).join(separator);
        expect(parseApiKeys(text)).toEqual(list);
      }),
    );
  });
});

describe("a key's own rate limits", () => {
  const sha256 = hashApiKey(generateApiKey());

  it('are read from an optional fourth field, leaving three-field entries as they were', () => {
    expect(
      parseApiKeys(`a:predict:${sha256}:predict=1200+jobs=60,b:train:${hashApiKey('b')}`),
    ).toEqual([
      {
        name: 'a',
        scopes: ['predict'],
        sha256,
        limits: { predictPerMinute: 1200, jobsPerMinute: 60 },
      },
      { name: 'b', scopes: ['train'], sha256: hashApiKey('b') },
    ]);
    expect(parseApiKeys(`a:predict:${sha256}:jobs=0`)[0]?.limits).toEqual({ jobsPerMinute: 0 });
    expect(formatApiKeyEntry({ name: 'a', scopes: ['admin'], sha256, limits: {} })).toBe(
      `a:admin:${sha256}`,
    );
  });

  it('when malformed, fail the configuration naming the entry', () => {
    const env = {
      TAILOR_API_KEYS: `ci:train:${hashApiKey('ci')}, billing:predict:${sha256}:predict=many`,
    };
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(
      "TAILOR_API_KEYS: entry 2 ('billing'): predict must be a whole number per minute from 0 (no limit) to 1000000; got 'many'",
    );
  });

  const pasted = generateApiKey();
  it.each([
    [
      'predict=lots',
      "entry 1 ('billing'): predict must be a whole number per minute from 0 (no limit) to 1000000; got 'lots'",
    ],
    [
      'predict=-1',
      "predict must be a whole number per minute from 0 (no limit) to 1000000; got '-1'",
    ],
    ['jobs=1.5', "entry 1 ('billing'): jobs must be a whole number per minute"],
    ['predict=1000001', "got '1000001'"],
    ['predict=', "got ''"],
    ['burst=5', "entry 1 ('billing'): 'burst' is not a limit; allowed: predict, jobs"],
    ['predict=5+predict=6', "entry 1 ('billing'): the limit 'predict' is set twice"],
    [
      'predict5',
      "entry 1 ('billing'): the field after the hash must be limits, <limit>=<per minute> joined by '+'",
    ],
    ['', "entry 1 ('billing'): the limits field after the hash is empty"],
    [pasted, "entry 1 ('billing'): the field after the hash must be limits"],
    [
      `predict=5:jobs=2`,
      "entry 1 has 5 ':'-separated fields; expected <name>:<scopes>:<sha256>[:predict=N+jobs=N]",
    ],
    ['predict=5,jobs=2', "entry 2 is a lone limit; a key's limits are joined by '+'"],
    ['predict=5 jobs=2', 'entry 2 is a lone limit'],
  ])('refuse the limits %j, naming the entry and never the hash', (limits, message) => {
    const text = `billing:predict:${sha256}:${limits}`;
    expect(() => parseApiKeys(text)).toThrow(message);
    let error: Error | undefined;
    try {
      parseApiKeys(text);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).not.toContain(sha256);
    expect(error?.message).not.toContain(pasted);
  });
});

describe('the scope table', () => {
  it.each([
    ['POST', '/v1/predict', ['predict']],
    ['POST', '/v1/models/:id/predict', ['predict']],
    ['GET', '/v1/models', ['predict', 'train']],
    ['HEAD', '/v1/models/:id', ['predict', 'train']],
    ['POST', '/v1/training-jobs', ['train']],
    ['POST', '/v1/training-jobs/:id/cancel', ['train']],
    ['GET', '/v1/training-jobs/:id/events', ['train']],
    ['DELETE', '/v1/datasets/:id', ['train']],
    // Not in the table: admin only.
    ['DELETE', '/v1/models/:id', []],
    ['GET', '/v1/training-jobs-archive', []],
    ['GET', '/admin/queues', []],
  ])('%s %s may be called with %j (and admin)', (method, url, scopes) => {
    expect(scopesFor(method, url)).toEqual(scopes);
  });

  it('lets admin call everything and other scopes only what lists them', () => {
    expect(mayCall(['admin'], [])).toBe(true);
    expect(mayCall(['predict', 'train'], [])).toBe(false);
    expect(mayCall(['train'], ['predict', 'train'])).toBe(true);
    expect(mayCall(['predict'], ['train'])).toBe(false);
  });

  it('leaves only the probes and the docs public', () => {
    for (const url of ['/healthz', '/readyz', '/docs', '/docs/json', '/docs/static/*']) {
      expect(isPublicRoute(url), url).toBe(true);
    }
    for (const url of ['/docsx', '/v1/models', '/healthz/x', '/']) {
      expect(isPublicRoute(url), url).toBe(false);
    }
  });
});

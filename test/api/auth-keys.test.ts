import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatApiKeyEntry,
  generateApiKey,
  hashApiKey,
  parseApiKeys,
  SCOPES,
} from '../../src/api/auth-keys.js';
import { isPublicRoute, mayCall, scopesFor } from '../../src/api/auth-scopes.js';

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
    const entry = fc.record({
      name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
      scopes: fc.subarray([...SCOPES], { minLength: 1 }),
      sha256: fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((b) => Buffer.from(b).toString('hex')),
    });
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

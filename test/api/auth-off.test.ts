import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { buildTestApp, capturingLogger } from './helper.js';

const NO_LIMITS = { predictPerMinute: 0, jobsPerMinute: 0 };
const WARNING = /authentication is off/;

async function startupWarnings(auth: AppDeps['auth']) {
  const { logger, lines } = capturingLogger();
  const app = buildTestApp({ auth }, { loggerInstance: logger });
  await app.ready();
  await app.close();
  return lines.filter((line) => line.level === 40 && WARNING.test(String(line.msg)));
}

describe('with no API keys configured', () => {
  it('leaves every route open and sets no key on the request', async () => {
    const app = buildTestApp({ auth: { apiKeys: [], rateLimits: NO_LIMITS } });
    app.get('/v1/unlisted-probe', async (req) => ({ apiKey: req.apiKey }));
    await app.ready();
    try {
      // No registry configured: the handler is reached and answers 503.
      await request(app.server).get('/v1/models').expect(503);
      const res = await request(app.server).get('/v1/unlisted-probe').expect(200);
      expect(res.body).toEqual({ apiKey: null });
    } finally {
      await app.close();
    }
  });

  it.each(['0.0.0.0', '::', '192.168.1.20', 'api.example.com'])(
    'warns at startup when the API listens on %s',
    async (host) => {
      const warnings = await startupWarnings({ apiKeys: [], rateLimits: NO_LIMITS, host });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ host });
    },
  );

  it.each(['127.0.0.1', '127.0.1.1', '::1', '[::1]', 'localhost'])(
    'does not warn on the loopback address %s',
    async (host) => {
      expect(await startupWarnings({ apiKeys: [], rateLimits: NO_LIMITS, host })).toEqual([]);
    },
  );

  it('does not warn when keys are configured', async () => {
    const apiKeys = [
      { name: 'ops', scopes: ['admin' as const], sha256: hashApiKey(generateApiKey()) },
    ];
    const warnings = await startupWarnings({ apiKeys, rateLimits: NO_LIMITS, host: '0.0.0.0' });
    expect(warnings).toEqual([]);
  });
});

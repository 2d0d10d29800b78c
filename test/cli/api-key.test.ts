import { createHash } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { buildTestApp } from '../api/helper.js';
import { runTailor } from './run-tailor.js';

/** The `key:` and `entry:` lines `tailor api-key` prints. */
function parseOutput(stdout: string): { key: string; entry: string } {
  const key = stdout.match(/^key: (\S+)$/m)?.[1];
  const entry = stdout.match(/^entry: (\S+)$/m)?.[1];
  if (key === undefined || entry === undefined) throw new Error(`unexpected output: ${stdout}`);
  return { key, entry };
}

describe('tailor api-key', () => {
  it('prints a new key once and its TAILOR_API_KEYS entry, which holds only its hash', async () => {
    const { code, stdout, stderr } = await runTailor([
      'api-key',
      '--name',
      'billing',
      '--scopes',
      'predict,train',
    ]);
    expect(code).toBe(0);
    const { key, entry } = parseOutput(stdout);
    expect(key).toMatch(/^tlr_[A-Za-z0-9_-]{43}$/);
    const sha256 = createHash('sha256').update(key).digest('hex');
    expect(entry).toBe(`billing:predict+train:${sha256}`);
    expect(entry).not.toContain(key);
    expect(stderr).toContain('TAILOR_API_KEYS');
    expect(readConfig({ TAILOR_API_KEYS: entry }).auth.apiKeys).toEqual([
      { name: 'billing', scopes: ['predict', 'train'], sha256 },
    ]);
  });

  it('makes a key the API accepts with the entry configured', async () => {
    const { stdout } = await runTailor(['api-key', '--name', 'ci', '--scopes', 'predict']);
    const { key, entry } = parseOutput(stdout);
    const app = buildTestApp({ auth: readConfig({ TAILOR_API_KEYS: entry }).auth });
    await app.ready();
    try {
      // Authenticated: the handler answers (no registry configured: 503).
      await request(app.server).get('/v1/models').set('authorization', `Bearer ${key}`).expect(503);
      await request(app.server).get('/v1/models').expect(401);
      await request(app.server).get('/v1/training-jobs').set('x-api-key', key).expect(403);
    } finally {
      await app.close();
    }
  });

  it('writes the limits given into the entry, which the server applies to that key', async () => {
    const { code, stdout } = await runTailor([
      'api-key',
      '--name',
      'batch',
      '--scopes',
      'predict,train',
      '--predict-per-minute',
      '100',
      '--jobs-per-minute',
      '0',
    ]);
    expect(code).toBe(0);
    const { key, entry } = parseOutput(stdout);
    expect(entry).toBe(
      `batch:predict+train:${createHash('sha256').update(key).digest('hex')}:predict=100+jobs=0`,
    );
    const { auth } = readConfig({ TAILOR_API_KEYS: entry, TAILOR_RATE_LIMIT_PREDICT: '3' });
    expect(auth.apiKeys[0]?.limits).toEqual({ predictPerMinute: 100, jobsPerMinute: 0 });
    const app = buildTestApp({ auth });
    await app.ready();
    try {
      // No predictor configured: 503, counted under the key's own limit, not the global 3.
      const res = await request(app.server)
        .post('/v1/predict')
        .set('x-api-key', key)
        .send({ instances: [Array(784).fill(0)] });
      expect(res.status).toBe(503);
      expect(res.headers['x-ratelimit-limit']).toBe('100');
      expect(res.headers['x-ratelimit-remaining']).toBe('99');
    } finally {
      await app.close();
    }
  });

  it('makes a different key every time', async () => {
    const runs = await Promise.all(
      [1, 2].map(() => runTailor(['api-key', '--name', 'x', '--scopes', 'admin'])),
    );
    const [a, b] = runs.map((run) => parseOutput(run.stdout).key);
    expect(a).not.toBe(b);
  });

  it.each([
    [['--scopes', 'predict'], '--name is required'],
    [
      ['--name', 'bill ing', '--scopes', 'predict'],
      "--name must be 1-64 characters of A-Z a-z 0-9 _ . -; got 'bill ing'",
    ],
    [
      ['--name', 'billing', '--scopes', 'predict,deploy'],
      "--scopes: 'deploy' is not a scope; allowed: predict, train, metrics, admin",
    ],
    [
      ['--name', 'b', '--scopes', 'predict', '--predict-per-minute', 'lots'],
      "--predict-per-minute must be a whole number per minute from 0 (no limit) to 1000000; got 'lots'",
    ],
    [
      ['--name', 'b', '--scopes', 'predict', '--predict-per-minute=-5'],
      "--predict-per-minute must be a whole number per minute from 0 (no limit) to 1000000; got '-5'",
    ],
    [
      ['--name', 'b', '--scopes', 'train', '--jobs-per-minute', '2.5'],
      "--jobs-per-minute must be a whole number per minute from 0 (no limit) to 1000000; got '2.5'",
    ],
    [
      ['--name', 'b', '--scopes', 'train', '--jobs-per-minute', '1000001'],
      "--jobs-per-minute must be a whole number per minute from 0 (no limit) to 1000000; got '1000001'",
    ],
  ])('rejects %j with a usage message and no key', async (args, message) => {
    const { code, stdout, stderr } = await runTailor(['api-key', ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });

  it('documents its options', async () => {
    const { code, stdout } = await runTailor(['help', 'api-key']);
    expect(code).toBe(0);
    for (const option of [
      '--name',
      '--scopes',
      '--predict-per-minute',
      '--jobs-per-minute',
      'TAILOR_API_KEYS',
    ])
      expect(stdout).toContain(option);
  });
});

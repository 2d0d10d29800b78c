import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { buildTestApp } from './helper.js';

let app: App;
beforeAll(async () => {
  app = buildTestApp();
  await app.ready();
});
afterAll(() => app?.close());

describe('a method a path does not take', () => {
  it('answers 405 with Allow listing the methods it takes, in the error format', async () => {
    const cases: [string, string, string][] = [
      ['delete', '/v1/training-jobs', 'GET, HEAD, POST'],
      ['put', '/v1/training-jobs/42', 'GET, HEAD'],
      ['get', '/v1/training-jobs/42/cancel', 'POST'],
      ['post', '/healthz', 'GET, HEAD'],
      ['patch', '/v1/aliases/staging', 'DELETE, GET, HEAD, PUT'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await request(app.server)[method as 'get'](path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
      expect(res.body.error).toMatchObject({
        code: 'METHOD_NOT_ALLOWED',
        message: `${path} does not take ${method.toUpperCase()}; it takes ${allow}`,
      });
    }
  });

  it('still answers 404 for a path no route has', async () => {
    const res = await request(app.server).delete('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.allow).toBeUndefined();
  });
});

import request from 'supertest';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { errorResponses } from '../../src/api/schemas/error.js';
import type { App } from '../../src/app.js';
import { buildTestApp, capturingLogger } from './helper.js';

const Job = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    training: Type.Object(
      { epochs: Type.Integer({ minimum: 1, maximum: 100 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

describe('error handling', () => {
  let app: App;
  const { logger, lines } = capturingLogger();

  beforeAll(async () => {
    app = buildTestApp({}, { loggerInstance: logger, bodyLimit: 256 });
    // Test-only routes, registered before ready() so the app's error handler applies.
    app.post(
      '/test/jobs',
      { schema: { body: Job, response: { 200: Job, ...errorResponses(400, 413, 415, 500) } } },
      async (req) => req.body,
    );
    app.get(
      '/test/items',
      {
        schema: {
          querystring: Type.Object(
            { limit: Type.Integer({ minimum: 1, maximum: 50 }) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ limit: Type.Integer() }), ...errorResponses(400) },
        },
      },
      async (req) => ({ limit: req.query.limit }),
    );
    app.get('/test/coded', { schema: { response: errorResponses(422, 500) } }, async () => {
      throw Object.assign(new Error('model m1 has no version 9'), { code: 'X', statusCode: 422 });
    });
    app.get('/test/api-error', async () => {
      throw new ApiError('NOT_FOUND', 'training job j1 not found');
    });
    app.get('/test/crash', { schema: { response: errorResponses(500) } }, async () => {
      throw new Error('open /var/lib/tailor/secret: password=hunter2');
    });
    app.get('/test/coded-crash', async () => {
      throw Object.assign(new Error('redis at 10.0.0.7 refused'), { code: 'ECONNREFUSED' });
    });
    app.get('/test/coded-5xx', async () => {
      throw Object.assign(new Error('disk full at /data'), { code: 'STORE_FULL', statusCode: 507 });
    });
    await app.ready();
  });

  afterAll(() => app.close());

  const post = (body: string, type = 'application/json') =>
    request(app.server).post('/test/jobs').set('content-type', type).send(body);

  it('accepts a valid body', async () => {
    const job = { name: 'a', training: { epochs: 5 } };
    const res = await post(JSON.stringify(job)).expect(200);
    expect(res.body).toEqual(job);
  });

  it('rejects an unknown key, naming it', async () => {
    const res = await post(JSON.stringify({ name: 'a', training: { epochs: 5, lr: 1 } })).expect(
      400,
    );
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: '/body/training/lr', message: 'is not allowed' }],
    });
    expect(res.body.error.message).toContain('/body/training/lr');
  });

  it('rejects a wrong type, naming the field, and does not coerce JSON bodies', async () => {
    const res = await post(JSON.stringify({ name: 'a', training: { epochs: '5' } })).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([
      { path: '/body/training/epochs', message: 'must be integer' },
    ]);
  });

  it('rejects a value out of range', async () => {
    const res = await post(JSON.stringify({ name: 'a', training: { epochs: 101 } })).expect(400);
    expect(res.body.error.details).toEqual([
      { path: '/body/training/epochs', message: 'must be <= 100' },
    ]);
  });

  it('names a missing required field', async () => {
    const res = await post(JSON.stringify({ training: { epochs: 1 } })).expect(400);
    expect(res.body.error.details).toEqual([{ path: '/body/name', message: 'is required' }]);
  });

  it('converts and validates querystring values', async () => {
    expect((await request(app.server).get('/test/items?limit=7').expect(200)).body).toEqual({
      limit: 7,
    });
    const res = await request(app.server).get('/test/items?limit=500').expect(400);
    expect(res.body.error.details).toEqual([
      { path: '/querystring/limit', message: 'must be <= 50' },
    ]);
  });

  it('answers 400 INVALID_JSON to malformed or empty JSON', async () => {
    for (const body of ['{"name": "a",', '']) {
      const res = await post(body).expect(400);
      expect(res.body.error.code).toBe('INVALID_JSON');
    }
  });

  it('answers 413 to a body over the limit', async () => {
    const res = await post(JSON.stringify({ name: 'x'.repeat(300), training: { epochs: 1 } }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 415 to an unsupported content type', async () => {
    const res = await post('<job/>', 'application/xml').expect(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('passes a coded 4xx error of another layer through with its code and message', async () => {
    const res = await request(app.server).get('/test/coded').expect(422);
    expect(res.body.error).toEqual({
      code: 'X',
      message: 'model m1 has no version 9',
      requestId: res.headers['x-request-id'],
    });
  });

  it('answers with a declared ApiError as declared', async () => {
    const res = await request(app.server).get('/test/api-error').expect(404);
    expect(res.body.error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'training job j1 not found',
    });
  });

  it('answers 500 to an unexpected error without leaking it, and logs it under err', async () => {
    const res = await request(app.server)
      .get('/test/crash')
      .set('x-request-id', 'crash-1')
      .expect(500);
    expect(res.body).toEqual({
      error: { code: 'INTERNAL', message: 'internal error', requestId: 'crash-1' },
    });
    expect(res.text).not.toMatch(/hunter2|secret|stack|\.ts/);
    const logged = lines.find((line) => line.reqId === 'crash-1' && line.level === 50);
    expect(logged?.msg).toBe('request failed');
    expect(logged?.err).toMatchObject({
      type: 'Error',
      message: 'open /var/lib/tailor/secret: password=hunter2',
      stack: expect.any(String),
    });
  });

  it('treats coded errors without a 4xx status as internal', async () => {
    for (const url of ['/test/coded-crash', '/test/coded-5xx']) {
      const res = await request(app.server).get(url).expect(500);
      expect(res.body.error).toMatchObject({ code: 'INTERNAL', message: 'internal error' });
      expect(res.text).not.toMatch(/10\.0\.0\.7|disk/);
    }
  });

  it('answers 404 with a JSON error body for unknown routes', async () => {
    const res = await request(app.server).get('/v1/nothing-here').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
    expect(res.body.error.message).toContain('/v1/nothing-here');
  });
});

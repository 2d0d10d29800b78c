import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { buildTestApp } from './helper.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('x-request-id', () => {
  let app: App;

  beforeAll(async () => {
    app = buildTestApp();
    await app.ready();
  });

  afterAll(() => app.close());

  it('echoes a caller-supplied id', async () => {
    const res = await request(app.server)
      .get('/healthz')
      .set('x-request-id', 'trace-0af7651916cd43dd')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('trace-0af7651916cd43dd');
  });

  it('generates a UUID when none is sent', async () => {
    const res = await request(app.server).get('/healthz').expect(200);
    expect(res.headers['x-request-id']).toMatch(uuid);
  });

  it('replaces an id that is too long or has unsafe characters', async () => {
    for (const sent of ['a'.repeat(129), 'has space', '<script>']) {
      const res = await request(app.server).get('/healthz').set('x-request-id', sent).expect(200);
      expect(res.headers['x-request-id']).toMatch(uuid);
    }
  });

  it('is the requestId of error bodies, on unknown routes too', async () => {
    const res = await request(app.server).get('/nope').set('x-request-id', 'req-42').expect(404);
    expect(res.headers['x-request-id']).toBe('req-42');
    expect(res.body.error.requestId).toBe('req-42');
  });
});

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { buildTestApp } from './helper.js';

describe('API docs', () => {
  let app: App;

  beforeAll(async () => {
    app = buildTestApp({ version: '1.2.3' });
    await app.ready();
  });

  afterAll(() => app.close());

  it('serves Swagger UI at /docs', async () => {
    const res = await request(app.server).get('/docs').redirects(2).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
  });

  it('serves the OpenAPI document at /docs/json with the health paths', async () => {
    const res = await request(app.server).get('/docs/json').expect(200);
    expect(res.body.info).toMatchObject({ title: 'tailor', version: '1.2.3' });
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(res.body.paths['/readyz'].get.tags).toEqual(['health']);
    expect(res.body.tags.map((tag: { name: string }) => tag.name)).toEqual([
      'health',
      'training-jobs',
      'models',
      'predict',
      'datasets',
    ]);
    expect(res.body.components.schemas.ErrorBody).toBeDefined();
  });
});

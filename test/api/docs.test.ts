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
      'tuning-jobs',
      'aliases',
      'tf-serving',
      'open-inference-protocol',
    ]);
    expect(res.body.components.schemas.ErrorBody).toBeDefined();
  });

  it('documents the protocol routes with their tags and colon paths', async () => {
    const { paths } = (await request(app.server).get('/docs/json').expect(200)).body;
    expect(paths['/v1/models/{name}:predict'].post.tags).toEqual(['tf-serving']);
    expect(paths['/v1/models/{name}/versions/{version}:predict'].post.tags).toEqual(['tf-serving']);
    expect(paths['/v2/models/{name}/infer'].post.tags).toEqual(['open-inference-protocol']);
    const errors = paths['/v2/models/{name}/infer'].post.responses;
    const protocolError = { $ref: '#/components/schemas/ProtocolError' };
    expect(errors['400'].content['application/json'].schema).toEqual(protocolError);
    expect(errors['429'].content['application/json'].schema).toEqual(protocolError);
    const { components } = (await request(app.server).get('/docs/json').expect(200)).body;
    expect(components.schemas.ProtocolError.properties.error.type).toBe('string');
  });
});

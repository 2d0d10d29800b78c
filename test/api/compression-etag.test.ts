import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useDeployedApp } from './deployed-app.js';
import { rawHead, rawRequest } from './raw-http.js';

const deployed = useDeployedApp('gzip-etag');

describe('response compression', () => {
  it('answers gzip and brotli when asked, the same JSON once decompressed', async () => {
    const { app } = deployed;
    const plain = await rawRequest(app, 'GET', '/v1/models/model-a', {
      'accept-encoding': 'identity',
    });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    // Above the threshold, or the test would prove nothing.
    expect(plain.body.length).toBeGreaterThan(1024);

    const gzip = await rawRequest(app, 'GET', '/v1/models/model-a', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.vary).toMatch(/accept-encoding/i);
    expect(gzip.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);

    const br = await rawRequest(app, 'GET', '/v1/models/model-a', {
      'accept-encoding': 'gzip, br',
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
  });

  it('leaves small answers, model weights and event streams as they are', async () => {
    const { app } = deployed;
    const asked = { 'accept-encoding': 'gzip, br' };
    const health = await rawRequest(app, 'GET', '/healthz', asked);
    expect(health.status).toBe(200);
    expect(health.headers['content-encoding']).toBeUndefined();
    const weights = await rawRequest(
      app,
      'GET',
      '/v1/models/model-a/export/tfjs/weights.bin',
      asked,
    );
    expect(weights.status).toBe(200);
    expect(weights.headers['content-encoding']).toBeUndefined();

    const job = await request(app.server)
      .post('/v1/training-jobs')
      .send({ training: { epochs: 1, trainSize: 500 } })
      .expect(202);
    const events = await rawHead(app, `/v1/training-jobs/${job.body.id}/events`, asked);
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(events.headers['content-encoding']).toBeUndefined();
  });
});

describe('ETag and If-None-Match', () => {
  it('answers 304 for a model the client has', async () => {
    const { app } = deployed;
    const first = await request(app.server).get('/v1/models/model-a').expect(200);
    const tag = first.headers.etag as string;
    expect(tag).toMatch(/^W\/"[\w-]+"$/);
    const again = await rawRequest(app, 'GET', '/v1/models/model-a', { 'if-none-match': tag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(tag);
    // Another model, another tag; a stale tag gets the whole answer.
    await deployed.register('model-etag-b', 2);
    const other = await request(app.server)
      .get('/v1/models/model-etag-b')
      .set('if-none-match', tag)
      .expect(200);
    expect(other.headers.etag).not.toBe(tag);
    // The exported weights keep the tag their route gives (the model's digest); a list of
    // tags matches any of them.
    const weights = await request(app.server)
      .get('/v1/models/model-a/export/tfjs/weights.bin')
      .expect(200);
    expect(weights.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    await request(app.server)
      .get('/v1/models/model-a/export/tfjs/weights.bin')
      .set('if-none-match', `"other", ${weights.headers.etag}`)
      .expect(304);
  });

  it('gives a job a new ETag when it changes', async () => {
    const { app } = deployed;
    const created = await request(app.server)
      .post('/v1/training-jobs')
      .send({ training: { epochs: 1, trainSize: 500 } })
      .expect(202);
    const url = `/v1/training-jobs/${created.body.id}`;
    const queued = await request(app.server).get(url).expect(200);
    const tag = queued.headers.etag as string;
    expect(tag).toBeDefined();
    await request(app.server).get(url).set('if-none-match', tag).expect(304);

    await request(app.server).post(`${url}/cancel`).expect(202);
    const cancelled = await request(app.server).get(url).set('if-none-match', tag).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    const changed = cancelled.headers.etag as string;
    expect(changed).toMatch(/^W\/"[\w-]+"$/);
    expect(changed).not.toBe(tag);
    await request(app.server).get(url).set('if-none-match', changed).expect(304);
  });

  it('tags no write and no error', async () => {
    const { app } = deployed;
    const missing = await request(app.server).get('/v1/models/no-such-model').expect(404);
    expect(missing.headers.etag).toBeUndefined();
    const created = await request(app.server)
      .post('/v1/training-jobs')
      .send({ training: { epochs: 1, trainSize: 500 } })
      .expect(202);
    expect(created.headers.etag).toBeUndefined();
  });
});

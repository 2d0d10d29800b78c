import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useDeployedApp } from './deployed-app.js';
import { parseExposition, type Sample, sampleValue } from './metrics-text.js';

const deployed = useDeployedApp('metrics');

async function scrape(): Promise<Sample[]> {
  const res = await request(deployed.app.server).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.text);
}

const blank = () => Array.from({ length: 784 }, (_, i) => i % 256);

/** The value of a counter or histogram count; 0 when the series does not exist yet. */
const count = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  sampleValue(samples, name, labels) ?? 0;

describe('GET /metrics', () => {
  it('counts predictions, batches, queue waits and model loads then hits', async () => {
    const before = await scrape();
    await request(deployed.app.server)
      .post('/v1/models/model-a/predict')
      .send({ instances: [blank(), blank(), blank()] })
      .expect(200);
    const afterFirst = await scrape();
    await request(deployed.app.server)
      .post('/v1/models/model-a/predict')
      .send({ instances: [blank(), blank()] })
      .expect(200);
    const after = await scrape();

    const images = (s: Sample[]) => count(s, 'tailor_predictions_total', { outcome: 'ok' });
    expect(images(afterFirst) - images(before)).toBe(3);
    expect(images(after) - images(before)).toBe(5);
    const batches = (s: Sample[]) => count(s, 'tailor_prediction_batches_total', { outcome: 'ok' });
    expect(batches(after) - batches(before)).toBe(2);
    // The batch size histogram: two batches of 3 and 2 images.
    const sizes = (s: Sample[]) => count(s, 'tailor_prediction_batch_size_sum');
    expect(sizes(after) - sizes(before)).toBe(5);
    const smallBatches = (s: Sample[]) =>
      count(s, 'tailor_prediction_batch_size_bucket', { le: '2' });
    expect(smallBatches(after) - smallBatches(before)).toBe(1);
    const waits = (s: Sample[]) => count(s, 'tailor_prediction_queue_wait_seconds_count');
    expect(waits(after) - waits(before)).toBe(2);
    // The first prediction loads the model into the worker, the second finds it there.
    const cache = (s: Sample[], result: string) =>
      count(s, 'tailor_model_cache_requests_total', { result });
    expect(cache(afterFirst, 'load') - cache(before, 'load')).toBe(1);
    expect(cache(after, 'hit') - cache(afterFirst, 'hit')).toBe(1);
    expect(cache(after, 'load')).toBe(cache(afterFirst, 'load'));
  });

  it('times requests per route pattern, never per URL', async () => {
    const route = { method: 'GET', route: '/v1/models/:id', status_code: '404' };
    const before = count(await scrape(), 'tailor_http_request_duration_seconds_count', route);
    await request(deployed.app.server).get('/v1/models/secret-model-name').expect(404);
    await request(deployed.app.server).get('/no/such/place-7f3a').expect(404);
    const res = await request(deployed.app.server).get('/metrics').expect(200);
    const after = parseExposition(res.text);
    expect(count(after, 'tailor_http_request_duration_seconds_count', route)).toBe(before + 1);
    expect(
      count(after, 'tailor_http_request_duration_seconds_count', {
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(res.text).not.toContain('secret-model-name');
    expect(res.text).not.toContain('place-7f3a');
  });

  it('reports queue depth per state, read from Redis on each scrape', async () => {
    const waiting = (s: Sample[]) =>
      sampleValue(s, 'tailor_queue_jobs', { queue: 'training', state: 'waiting' });
    const before = await scrape();
    expect(sampleValue(before, 'tailor_redis_up')).toBe(1);
    expect(sampleValue(before, 'tailor_queue_jobs', { queue: 'tuning', state: 'failed' })).toBe(0);
    // No worker runs here: the job waits in the queue.
    await request(deployed.app.server)
      .post('/v1/training-jobs')
      .send({ training: { epochs: 1, trainSize: 500 } })
      .expect(202);
    const after = await scrape();
    expect((waiting(after) ?? 0) - (waiting(before) ?? 0)).toBe(1);
  });

  it("has the process' own metrics", async () => {
    const samples = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(sampleValue(samples, name), name).toBeGreaterThan(0);
    }
  });
});

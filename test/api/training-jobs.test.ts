import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { buildTestApp } from './helper.js';
import { useQueuedJobsApp } from './queued-jobs-app.js';

const { app, queue, prefix } = useQueuedJobsApp('api-jobs');

describe('training jobs API (no worker attached: jobs stay queued)', () => {
  it('queues a job: 202, its location and every default', async () => {
    const res = await request(app().server)
      .post('/v1/training-jobs')
      .send({ dataset: 'fashion-mnist', training: { epochs: 2, trainSize: 1000 } })
      .expect(202);
    expect(res.headers.location).toBe(`/v1/training-jobs/${res.body.id}`);
    expect(res.body).toMatchObject({
      status: 'queued',
      training: { epochs: 2, batchSize: 50, optimizer: 'adam', trainSize: 1000 },
      links: { self: res.headers.location },
    });
    const got = await request(app().server).get(String(res.headers.location)).expect(200);
    expect(got.body.id).toBe(res.body.id);
    const list = await request(app().server)
      .get('/v1/training-jobs?status=queued&limit=5')
      .expect(200);
    expect(list.body.items.map((j: { id: string }) => j.id)).toContain(res.body.id);
  });

  it.each([
    [{ dataset: 'fashion-mnist', colour: 'red' }, /colour/],
    [{ training: { epochs: 'two' } }, /\/body\/training\/epochs/],
    [{ training: { epochs: 0 } }, /\/body\/training\/epochs/],
    [{ training: { optimizer: 'adamax' } }, /\/body\/training\/optimizer/],
    [{ training: { batchSize: 100000 } }, /\/body\/training\/batchSize/],
  ])('rejects %j with 400 naming the field', async (body, field) => {
    const res = await request(app().server).post('/v1/training-jobs').send(body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error.details ?? res.body.error.message)).toMatch(field);
  });

  it('rejects an invalid model spec with the spec field in the message', async () => {
    const res = await request(app().server)
      .post('/v1/training-jobs')
      .send({ model: { conv: [{ channels: 8, pool: 64 }] } })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_MODEL' });
    expect(res.body.error.message).toMatch(/^model\.conv\[0\]\.pool: /);
  });

  it('rejects bad JSON and answers 404 for an unknown job', async () => {
    await request(app().server)
      .post('/v1/training-jobs')
      .set('content-type', 'application/json')
      .send('{"dataset": ')
      .expect(400);
    const res = await request(app().server).get('/v1/training-jobs/424242').expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('returns the same job for a repeated Idempotency-Key, and 409 for the key with another body', async () => {
    const key = `retry-${Date.now()}`;
    const body = { training: { epochs: 3 } };
    const first = await request(app().server)
      .post('/v1/training-jobs')
      .set('idempotency-key', key)
      .send(body)
      .expect(202);
    const again = await request(app().server)
      .post('/v1/training-jobs')
      .set('idempotency-key', key)
      .send(body)
      .expect(202);
    expect(again.body.id).toBe(first.body.id);
    expect(await queue().getJobCountByTypes('waiting')).toBe(
      (await request(app().server).get('/v1/training-jobs?status=queued&limit=100')).body.total,
    );
    const other = await request(app().server)
      .post('/v1/training-jobs')
      .set('idempotency-key', key)
      .send({ training: { epochs: 4 } })
      .expect(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const bad = await request(app().server)
      .post('/v1/training-jobs')
      .set('idempotency-key', 'has space')
      .send(body)
      .expect(400);
    expect(bad.body.error.code).toBe('INVALID_IDEMPOTENCY_KEY');
  });

  it('answers 503 at once when Redis is down', async () => {
    const down = apiConnection('redis://127.0.0.1:1');
    down.on('error', () => {});
    const deadQueue = createTrainingQueue({ connection: down, prefix });
    deadQueue.on('error', () => {});
    const downApp = buildTestApp({
      trainingJobs: createTrainingJobs(deadQueue, () => down.status === 'ready'),
    });
    await downApp.ready();
    const res = await request(downApp.server).post('/v1/training-jobs').send({}).expect(503);
    expect(res.body.error.code).toBe('QUEUE_UNAVAILABLE');
    await downApp.close();
    down.disconnect();
  });
});

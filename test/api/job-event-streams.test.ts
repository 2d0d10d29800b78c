import { get, type IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { startRedisServer } from '../support/redis-server.js';
import { buildTestApp } from './helper.js';

// A Redis of this file's own, so that the commands it counts are this file's alone.
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let app: App;
let url: string;
let jobId: string;

beforeAll(async () => {
  redis = await startRedisServer();
  connection = apiConnection(redis.url);
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix: 'streams' });
  const trainingJobs = createTrainingJobs(queue, () => connection.status === 'ready');
  app = buildTestApp({ trainingJobs });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  // No worker: the job stays queued and its streams stay open.
  jobId = (await trainingJobs.create({ dataset: 'fashion-mnist' })).id;
});

afterAll(async () => {
  await app?.close();
  await queue?.close();
  connection?.disconnect();
  await redis?.stop();
});

/** An open event stream of the job, once its first event has arrived. */
function open(path = `/v1/training-jobs/${jobId}/events`): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(`${url}${path}`, (res) => {
      if (res.statusCode !== 200) return resolve(res);
      res.once('data', () => resolve(res));
    }).on('error', reject);
  });
}

async function body(res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString());
}

/** Commands Redis processed while `ms` passed (INFO itself counts one). */
async function commandsDuring(ms: number): Promise<number> {
  const count = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await connection.info('stats'))?.[1]);
  const before = await count();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (await count()) - before;
}

describe('job event streams', () => {
  it('cost Redis the same for sixteen watchers of a job as for one', async () => {
    const one = await open();
    const alone = await commandsDuring(2000);
    const more = await Promise.all(Array.from({ length: 15 }, () => open()));
    const together = await commandsDuring(2000);
    for (const res of [one, ...more]) res.destroy();
    // One reader per job: every 500 ms, whatever the number of streams.
    expect(alone).toBeGreaterThan(2);
    expect(together).toBeLessThan(alone * 2 + 10);
  });

  it('are capped per caller with 429 STREAM_LIMIT, and a closed stream frees its slot', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const held = await Promise.all(Array.from({ length: 16 }, () => open()));
    const refused = await open();
    expect(refused.statusCode).toBe(429);
    expect(await body(refused)).toMatchObject({
      error: {
        code: 'STREAM_LIMIT',
        message:
          '16 event streams are already open for this caller; close one, or poll the job instead',
      },
    });
    held.pop()?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await open();
    expect(again.statusCode).toBe(200);
    for (const res of [...held, again]) res.destroy();
  });
});

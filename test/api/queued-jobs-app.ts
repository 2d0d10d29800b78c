import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/app.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { buildTestApp } from './helper.js';

/**
 * The API over a real Redis queue of its own that no worker takes from: jobs posted stay
 * queued, as they were stored. The queue is removed when the calling test file ends.
 */
export function useQueuedJobsApp(name: string): {
  app: () => App;
  queue: () => ReturnType<typeof createTrainingQueue>;
  prefix: string;
} {
  const prefix = `test-${name}-${process.pid}-${Date.now()}`;
  let connection: Redis;
  let queue: ReturnType<typeof createTrainingQueue>;
  let app: App;
  beforeAll(async () => {
    connection = apiConnection('redis://127.0.0.1:6379');
    await new Promise((resolve) => connection.once('ready', resolve));
    queue = createTrainingQueue({ connection, prefix });
    app = buildTestApp({
      trainingJobs: createTrainingJobs(queue, () => connection.status === 'ready'),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    connection?.disconnect();
  });
  return { app: () => app, queue: () => queue, prefix };
}

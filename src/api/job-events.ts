import type { FastifyReply, FastifyRequest } from 'fastify';
import { TERMINAL_STATUSES, type TrainingJobView } from '../jobs/job-view.js';
import { REQUEST_ID_HEADER } from './plugins/request-id.js';

export interface JobEventsOptions {
  /** Reads the job; throws when it cannot (Redis down, job gone). */
  read: () => Promise<TrainingJobView>;
  /** How often the job is read; default 500 ms. */
  intervalMs?: number;
  /** A comment line keeps proxies from closing a quiet stream; default 15 s. */
  heartbeatMs?: number;
}

/**
 * Streams a job as server-sent events: `job` with the whole job resource whenever it
 * changes (state, progress, history), `error` while it cannot be read, and `end` once it
 * has finished, after which the stream closes. Reading the job on a timer keeps any number
 * of watchers cheap (one read each per interval) and lets a stream ride out a Redis outage.
 */
export async function streamJobEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  { read, intervalMs = 500, heartbeatMs = 15_000 }: JobEventsOptions,
): Promise<void> {
  const first = await read(); // a missing job is a plain 404 before the stream opens
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    [REQUEST_ID_HEADER]: request.id,
  });
  let last = '';
  let closed = false;
  const send = (event: string, data: unknown) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const finish = () => {
    closed = true;
    clearInterval(poll);
    clearInterval(heartbeat);
    res.end();
  };
  const publish = (job: TrainingJobView) => {
    const body = JSON.stringify(job);
    if (body !== last) {
      last = body;
      send('job', job);
    }
    // A job cancelled while queued is over for the client, though no worker took it yet.
    if (TERMINAL_STATUSES.includes(job.status)) {
      send('end', { status: job.status });
      finish();
    }
  };
  let reading = false;
  const poll = setInterval(async () => {
    if (reading || closed) return;
    reading = true;
    try {
      publish(await read());
    } catch (err) {
      // Only errors meant for clients (a 503 while Redis is down, say) show their message.
      const { code, statusCode } = err as { code?: string; statusCode?: number };
      send(
        'error',
        code && statusCode
          ? { code, message: (err as Error).message }
          : { code: 'INTERNAL', message: 'internal error' },
      );
    } finally {
      reading = false;
    }
  }, intervalMs);
  const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), heartbeatMs);
  request.raw.once('close', finish);
  publish(first);
}

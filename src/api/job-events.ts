import type { FastifyReply, FastifyRequest } from 'fastify';
import { TERMINAL_STATUSES } from '../jobs/job-status.js';
import type { TrainingJobView } from '../jobs/job-view.js';
import { toErrorResponse } from './error-response.js';
import type { JobReading } from './job-watchers.js';
import { REQUEST_ID_HEADER } from './plugins/request-id.js';

export interface JobEventsOptions {
  /** The job as it is now; a missing job is a plain 404 before the stream opens. */
  first: TrainingJobView;
  /** Delivers each later reading of the job until the returned function is called. */
  subscribe: (listener: (reading: JobReading) => void) => () => void;
  /** Runs once when the stream has closed, whoever closed it. */
  onClose?: () => void;
  /** A comment line keeps proxies from closing a quiet stream; default 15 s. */
  heartbeatMs?: number;
}

/**
 * Streams a job as server-sent events: `job` with the whole job resource whenever it
 * changes (state, progress, history), `error` while it cannot be read, and `end` once it
 * has finished, after which the stream closes. The readings come from a reader shared by
 * every stream of the job (job-watchers.ts), and a stream rides out a Redis outage.
 */
export function streamJobEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  { first, subscribe, onClose, heartbeatMs = 15_000 }: JobEventsOptions,
): void {
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
  let unsubscribe = () => {};
  const finish = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    res.end();
    onClose?.();
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
  const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), heartbeatMs);
  request.raw.once('close', finish);
  publish(first);
  if (closed) return;
  unsubscribe = subscribe((reading) => {
    if ('job' in reading) return publish(reading.job);
    // Only errors meant for clients (a 503 while Redis is down, say) show their message.
    const { code, message } = toErrorResponse(reading.error);
    send('error', { code, message });
  });
}

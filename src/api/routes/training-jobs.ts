import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TrainingJobView } from '../../jobs/job-view.js';
import type { TrainingJobs } from '../../jobs/training-jobs.js';
import { ApiError } from '../errors.js';
import { streamJobEvents } from '../job-events.js';
import { JobWatchers } from '../job-watchers.js';
import { errorResponses } from '../schemas/error.js';
import { LOCATION, withHeaders } from '../schemas/response-headers.js';
import {
  JobIdParams,
  JobList,
  ListJobsQuery,
  TrainingJob,
  TrainingJobRequest,
} from '../schemas/training-jobs.js';
import { type StreamLimits, StreamSlots } from '../stream-slots.js';

export interface TrainingJobRoutesOptions {
  /** How often a watched job is read for its event streams; default 500 ms. */
  eventsIntervalMs?: number;
  /** Event streams open at once per caller and per job. */
  streamLimits?: StreamLimits;
}

/** Training jobs: create (202, queued for a worker), read one, list, cancel, watch live. */
const trainingJobs: FastifyPluginAsyncTypebox<TrainingJobRoutesOptions> = async (
  app,
  { eventsIntervalMs, streamLimits },
) => {
  const service = (): TrainingJobs => {
    const jobs = app.deps.trainingJobs;
    if (!jobs)
      throw new ApiError('SERVICE_UNAVAILABLE', 'training jobs are not available on this instance');
    return jobs;
  };
  const read = async (id: string) => withLinks(await service().get(id));
  // Every stream of a job shares one reader; streams are counted per caller and per job.
  const watchers = new JobWatchers({ read, intervalMs: eventsIntervalMs });
  const slots = new StreamSlots(streamLimits);
  app.addHook('onClose', async () => watchers.close());

  app.post(
    '/v1/training-jobs',
    {
      schema: {
        tags: ['training-jobs'],
        summary: 'Queue a training job (defaults: Fashion-MNIST, the seed CNN, 1 epoch, batch 50)',
        body: TrainingJobRequest,
        headers: Type.Object({
          'idempotency-key': Type.Optional(
            Type.String({
              description: 'Repeating a request with the same key returns the same job',
            }),
          ),
        }),
        response: {
          202: withHeaders(TrainingJob, LOCATION),
          ...errorResponses(400, 409, 413, 415, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const job = await service().create(request.body, request.headers['idempotency-key']);
      return reply.code(202).header('location', selfLink(job)).send(withLinks(job));
    },
  );

  app.get(
    '/v1/training-jobs/:id',
    {
      schema: {
        tags: ['training-jobs'],
        summary: 'A training job: status, progress, history, test metrics',
        params: JobIdParams,
        response: { 200: TrainingJob, ...errorResponses(400, 404, 500, 503) },
      },
    },
    async (request) => withLinks(await service().get(request.params.id)),
  );

  app.post(
    '/v1/training-jobs/:id/cancel',
    {
      schema: {
        tags: ['training-jobs'],
        summary:
          'Cancel a job: a queued one at once; a running one stops within seconds, keeps its checkpoints and ends as cancelled',
        params: JobIdParams,
        response: { 202: TrainingJob, ...errorResponses(400, 404, 409, 500, 503) },
      },
    },
    async (request, reply) => {
      const by = request.apiKey?.name ?? 'anonymous';
      const job = await service().cancel(request.params.id, by);
      request.log.info({ jobId: job.id, status: job.status }, 'training job cancel requested');
      return reply.code(202).send(withLinks(job));
    },
  );

  app.get(
    '/v1/training-jobs/:id/events',
    {
      schema: {
        tags: ['training-jobs'],
        summary:
          'Live progress as server-sent events: `job` (the whole job, on every change), `error`, then `end` when it has finished',
        params: JobIdParams,
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'An event stream; each `data:` line is JSON',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...errorResponses(400, 404, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const first = await read(id);
      const release = slots.acquire(request.apiKey?.name ?? `address ${request.ip}`, id);
      streamJobEvents(request, reply, {
        first,
        subscribe: (listener) => watchers.watch(id, listener),
        onClose: release,
      });
    },
  );

  app.get(
    '/v1/training-jobs',
    {
      schema: {
        tags: ['training-jobs'],
        summary: 'Training jobs, newest first, optionally of one status',
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errorResponses(400, 500, 503) },
      },
    },
    async (request) => {
      const { status, limit = 20, cursor } = request.query;
      const page = await service().list({ status, limit, cursor });
      return { ...page, items: page.items.map(withLinks) };
    },
  );
};

function selfLink(job: TrainingJobView): string {
  return `/v1/training-jobs/${encodeURIComponent(job.id)}`;
}

function withLinks(job: TrainingJobView) {
  const model = job.modelId ? { model: `/v1/models/${encodeURIComponent(job.modelId)}` } : {};
  return { ...job, links: { self: selfLink(job), ...model } };
}

export default trainingJobs;

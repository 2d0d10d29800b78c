import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { REPORT_HEADERS } from '../../reports/page.js';
import { tuningJobReport } from '../../reports/tuning-job-report.js';
import type { TuningJobs } from '../../tuning/tuning-jobs.js';
import type { TuningJobView } from '../../tuning/tuning-view.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import { LOCATION, withHeaders } from '../schemas/response-headers.js';
import {
  ListTuningJobsQuery,
  TuningJob,
  TuningJobIdParams,
  TuningJobList,
  TuningJobRequest,
} from '../schemas/tuning-jobs.js';

/** Tuning jobs: a search over model specs and training options, run as parallel trials. */
const tuningJobs: FastifyPluginAsyncTypebox = async (app) => {
  const service = (): TuningJobs => {
    const jobs = app.deps.tuningJobs;
    if (!jobs)
      throw new ApiError('SERVICE_UNAVAILABLE', 'tuning jobs are not available on this instance');
    return jobs;
  };

  app.post(
    '/v1/tuning-jobs',
    {
      schema: {
        tags: ['tuning-jobs'],
        summary:
          'Queue a tuning job: random or grid search over a space, trials as parallel training jobs, weak trials stopped early',
        body: TuningJobRequest,
        response: {
          202: withHeaders(TuningJob, LOCATION),
          ...errorResponses(400, 413, 415, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const job = await service().create(request.body);
      return reply.code(202).header('location', selfLink(job)).send(withLinks(job));
    },
  );

  app.get(
    '/v1/tuning-jobs/:id',
    {
      schema: {
        tags: ['tuning-jobs'],
        summary: 'A tuning job: every trial with its parameters, curve and status, and the best',
        params: TuningJobIdParams,
        response: { 200: TuningJob, ...errorResponses(400, 404, 500, 503) },
      },
    },
    async (request) => withLinks(await service().get(request.params.id)),
  );

  app.get(
    '/v1/tuning-jobs/:id/report',
    {
      schema: {
        tags: ['tuning-jobs'],
        summary:
          "A tuning job as an HTML page: the best trial, every trial's val_acc curve, the trials compared",
        params: TuningJobIdParams,
        produces: ['text/html'],
        response: {
          200: {
            description: 'The report; an unfinished tuning job shows what it has so far',
            content: { 'text/html': { schema: Type.String() } },
          },
          ...errorResponses(400, 404, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const job = await service().get(request.params.id);
      const page = tuningJobReport(job, {
        self: selfLink(job),
        ...(job.modelId && { model: `/v1/models/${encodeURIComponent(job.modelId)}` }),
        trialReport: (id) => `/v1/training-jobs/${encodeURIComponent(id)}/report`,
      });
      return reply.headers(REPORT_HEADERS).send(page);
    },
  );

  app.get(
    '/v1/tuning-jobs',
    {
      schema: {
        tags: ['tuning-jobs'],
        summary: 'Tuning jobs, newest first',
        querystring: ListTuningJobsQuery,
        response: { 200: TuningJobList, ...errorResponses(400, 500, 503) },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const page = await service().list({ limit, cursor });
      return { ...page, items: page.items.map(withLinks) };
    },
  );
};

function selfLink(job: TuningJobView): string {
  return `/v1/tuning-jobs/${encodeURIComponent(job.id)}`;
}

function withLinks(job: TuningJobView) {
  const model = job.modelId ? { model: `/v1/models/${encodeURIComponent(job.modelId)}` } : {};
  return { ...job, links: { self: selfLink(job), ...model } };
}

export default tuningJobs;

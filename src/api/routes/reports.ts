import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type DatasetStatsView, datasetReport } from '../../reports/dataset-report.js';
import { REPORT_HEADERS } from '../../reports/page.js';
import { trainingJobReport } from '../../reports/training-job-report.js';
import { ApiError } from '../errors.js';
import { REQUEST_ID_HEADER } from '../plugins/request-id.js';
import { StatsQuery } from '../schemas/dataset-exploration.js';
import { DatasetIdParams } from '../schemas/datasets.js';
import { errorResponses } from '../schemas/error.js';
import { JobIdParams } from '../schemas/training-jobs.js';

/** Sample images per class in a data set report's grids. */
const SAMPLES_PER_CLASS = 5;

const HtmlPage = (description: string) => ({
  description,
  content: { 'text/html': { schema: Type.String() } },
});

/**
 * Human-readable reports: server-rendered HTML pages with inline SVG charts, no scripts.
 * They read the same services as the JSON routes, so a report never says more or less than
 * the resource it links back to.
 */
const reports: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/training-jobs/:id/report',
    {
      schema: {
        tags: ['training-jobs'],
        summary:
          'A training job as an HTML page: loss and accuracy curves, confusion matrix, per-class metrics, misclassified images, lifecycle',
        params: JobIdParams,
        produces: ['text/html'],
        response: {
          200: HtmlPage('The report; a job that has not finished shows what it has so far'),
          ...errorResponses(400, 404, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const jobs = app.deps.trainingJobs;
      if (!jobs) {
        throw new ApiError(
          'SERVICE_UNAVAILABLE',
          'training jobs are not available on this instance',
        );
      }
      const job = await jobs.get(request.params.id);
      const self = `/v1/training-jobs/${encodeURIComponent(job.id)}`;
      const dataset = `/v1/datasets/${encodeURIComponent(job.dataset)}`;
      const page = trainingJobReport(job, {
        self,
        events: `${self}/events`,
        ...(job.modelId && { model: `/v1/models/${encodeURIComponent(job.modelId)}` }),
        dataset,
        datasetReport: `${dataset}/report`,
      });
      return reply.headers(REPORT_HEADERS).send(page);
    },
  );

  app.get(
    '/v1/datasets/:id/report',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'A data set as an HTML page: images per class in each split as bar charts, and sample grids',
        params: DatasetIdParams,
        querystring: StatsQuery,
        produces: ['text/html'],
        response: {
          200: HtmlPage('The report; its sample grids load from /v1/datasets/{id}/samples.png'),
          ...errorResponses(400, 404, 422, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { testPerClass } = request.query;
      const self = `/v1/datasets/${encodeURIComponent(id)}`;
      // The same split option goes to the statistics and to every sample grid.
      const query = testPerClass === undefined ? '' : `testPerClass=${testPerClass}`;
      const statsUrl = query ? `${self}/stats?${query}` : `${self}/stats`;
      const stats = await readStats(request, statsUrl);
      const page = datasetReport(stats, {
        self,
        stats: statsUrl,
        samples: (name) =>
          `${self}/samples.png?split=${encodeURIComponent(name)}&perClass=${SAMPLES_PER_CLASS}${query && `&${query}`}`,
      });
      return reply.headers(REPORT_HEADERS).send(page);
    },
  );

  /**
   * The statistics through their own route: it keeps the split data sets in a cache of its
   * own, which a second loader here would duplicate (55 MB for Fashion-MNIST). The caller's
   * key and request id go along, so the inner request is authorised and logged as theirs.
   */
  async function readStats(request: FastifyRequest, url: string): Promise<DatasetStatsView> {
    const forwarded = ['authorization', 'x-api-key']
      .map((name) => [name, request.headers[name]] as const)
      .filter((entry): entry is readonly [string, string] => typeof entry[1] === 'string');
    const res = await app.inject({
      method: 'GET',
      url,
      headers: { ...Object.fromEntries(forwarded), [REQUEST_ID_HEADER]: request.id },
    });
    if (res.statusCode === 200) return res.json<DatasetStatsView>();
    throw forwardedError(res.statusCode, res.body);
  }
};

/** The stats route's error, re-thrown so the error handler answers it as this route's own. */
function forwardedError(statusCode: number, body: string): Error {
  let error: { code?: unknown; message?: unknown } = {};
  try {
    error = (JSON.parse(body) as { error?: typeof error }).error ?? {};
  } catch {
    // Not the API's error format: only the status is kept.
  }
  const message = typeof error.message === 'string' ? error.message : 'statistics unavailable';
  const code = typeof error.code === 'string' ? error.code : 'INTERNAL';
  return Object.assign(new Error(message), { code, statusCode });
}

export default reports;

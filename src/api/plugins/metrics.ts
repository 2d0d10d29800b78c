import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { type QueueSources, queueMetrics } from './queue-metrics.js';

/** What the process gives `/metrics` beyond the app's own HTTP metrics. */
export interface MetricsSources {
  /**
   * The process' registry, made by createMetricsRegistry, with the predictor pool's metrics
   * (prediction-metrics.ts) registered on it.
   */
  registry: Registry;
  /** Queues whose depth and running jobs are read on each scrape. */
  queues?: QueueSources;
}

export interface MetricsOptions {
  /** Absent: a registry of this app's HTTP metrics alone (tests). */
  sources?: MetricsSources | undefined;
}

export const METRICS_URL = '/metrics';

/** From a cached answer to a long evaluation or upload. */
const DURATION_METRIC = 'tailor_http_request_duration_seconds';

const DURATION_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * One registry per process with Node's process metrics (CPU, memory, event loop lag, GC),
 * the way prom-client collects them (https://github.com/siimots/prom-client#default-metrics).
 * Made once by the process' services: the collectors keep timers of their own.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Prometheus' `GET /metrics` (text exposition format), and request latency per route. Routes
 * are labelled by their pattern (`/v1/models/:id`), never the URL: ids stay out of the
 * metrics and the number of series stays bounded; a URL that matches no route counts as
 * `unmatched`. Who may scrape is the auth plugin's business (auth-scopes.ts).
 */
const metrics: FastifyPluginAsync<MetricsOptions> = async (app, opts) => {
  const registry = opts.sources?.registry ?? new Registry();
  const queues = opts.sources?.queues && queueMetrics(registry, opts.sources.queues);
  // The app built last on a registry owns its series (tests build several on one).
  registry.removeSingleMetric(DURATION_METRIC);
  const duration = new Histogram({
    name: DURATION_METRIC,
    help: 'Time from a request arriving to its response being sent, by route pattern',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_SECONDS,
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get(METRICS_URL, { schema: { hide: true } }, async (_request, reply) => {
    await queues?.refresh();
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });

  app.addHook('onClose', async () => {
    // The registry may outlive this app (it is the process'); these series belong to the app.
    for (const name of [DURATION_METRIC, ...(queues?.names ?? [])]) {
      registry.removeSingleMetric(name);
    }
  });
};

export default fp(metrics, { name: 'tailor-metrics', fastify: '5.x' });

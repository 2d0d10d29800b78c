import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { type TuningRequest, trialCount } from '../../tuning/tuning-request.js';
import type { RateLimits } from '../auth-keys.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import { weightedRateWindow } from './weighted-rate-window.js';

export interface RateLimitOptions {
  /** Absent: no limits. */
  limits?: RateLimits | undefined;
}

/** Prediction routes share one budget of requests. */
const PREDICT_ROUTES = [
  'POST /v1/predict',
  'POST /v1/models/:id/predict',
  // TF Serving's predict and the Open Inference Protocol's infer.
  'POST /v1/models/:name([^:/]+)::predict',
  'POST /v1/models/:name/versions/:version([^:/]+)::predict',
  'POST /v1/models/:name/labels/:label([^:/]+)::predict',
  'POST /v2/models/:name/infer',
  'POST /v2/models/:name/versions/:version/infer',
];

interface JobRoute {
  route: string;
  /**
   * A training job counts on arrival, as predictions do; a tuning job once its body has
   * passed the schema, since its trials decide what it costs.
   */
  hook: 'onRequest' | 'preHandler';
  /** Training jobs the request queues: a tuning job queues one per trial. */
  units: (request: FastifyRequest) => number;
  /** Said in a 429, after the limit. */
  explain?: (units: number, remaining: number) => string;
}

const JOB_ROUTES: readonly JobRoute[] = [
  { route: 'POST /v1/training-jobs', hook: 'onRequest', units: () => 1 },
  {
    route: 'POST /v1/tuning-jobs',
    hook: 'preHandler',
    units: (request) => trialCount(request.body as TuningRequest),
    explain: (units, remaining) =>
      `; this tuning job queues ${units} trials, each a training job, and ${remaining} are left`,
  },
];

const LIMITED_ROUTES = new Set([...PREDICT_ROUTES, ...JOB_ROUTES.map((r) => r.route)]);

const WINDOW_MS = 60_000;

/**
 * Per-key rate limits on prediction and job creation, applied here by route so route files
 * stay unaware of them. Counters live in this process' memory: each API process enforces its
 * own limit. Registered after the auth plugin: the limits' hooks are route-level hooks, which
 * fastify runs after the app's own, so the key is known and rejected callers never count.
 */
const rateLimits: FastifyPluginAsync<RateLimitOptions> = async (app, opts) => {
  await app.register(rateLimit, { global: false });
  const hooks = new Map<
    string,
    { onRequest?: LimitHook | onRequestHookHandler; preHandler?: LimitHook }
  >();
  const predictMax = opts.limits?.predictPerMinute ?? 0;
  // 0 turns a limit off.
  if (predictMax > 0) {
    const onRequest = app.rateLimit({
      max: predictMax,
      timeWindow: WINDOW_MS,
      keyGenerator: clientKey,
      errorResponseBuilder: (request, context) =>
        new ApiError(
          'RATE_LIMITED',
          `rate limit exceeded: ${predictMax} prediction requests per minute per ${holder(request)}; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
    }) as onRequestHookHandler;
    for (const route of PREDICT_ROUTES) hooks.set(route, { onRequest });
  }
  const jobsMax = opts.limits?.jobsPerMinute ?? 0;
  if (jobsMax > 0) {
    const window = weightedRateWindow(jobsMax, WINDOW_MS);
    for (const route of JOB_ROUTES) {
      hooks.set(route.route, { [route.hook]: jobLimit(jobsMax, window, route) });
    }
  }

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const id = `${method} ${route.url}`;
      if (LIMITED_ROUTES.has(id)) document429(route);
      const { onRequest, preHandler } = hooks.get(id) ?? {};
      if (onRequest) route.onRequest = [...[route.onRequest ?? []].flat(), onRequest];
      if (preHandler) route.preHandler = [...[route.preHandler ?? []].flat(), preHandler];
    }
  });
};

/** An async hook, fit for onRequest and preHandler alike. */
type LimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The job limit's hook: takes the request's units, sets the headers, refuses with 429. */
function jobLimit(
  max: number,
  window: ReturnType<typeof weightedRateWindow>,
  { units, explain }: JobRoute,
): LimitHook {
  return async (request, reply) => {
    const count = units(request);
    const decision = window.take(clientKey(request), count);
    reply.header('x-ratelimit-limit', max);
    reply.header('x-ratelimit-remaining', decision.remaining);
    reply.header('x-ratelimit-reset', Math.ceil(decision.resetMs / 1000));
    if (decision.allowed) return;
    const retryAfter = Math.ceil(decision.retryAfterMs / 1000);
    reply.header('retry-after', retryAfter);
    const what = explain?.(count, decision.remaining) ?? '';
    throw new ApiError(
      'RATE_LIMITED',
      `rate limit exceeded: ${max} training jobs per minute per ${holder(request)} (a tuning job counts one per trial)${what}; retry in ${retryAfter} s`,
    );
  };
}

function holder(request: FastifyRequest): string {
  return request.apiKey ? 'API key' : 'client address';
}

/** The API key's name; the client's address (IPv6 by /64, as the plugin does) when auth is off. */
function clientKey(request: FastifyRequest): string {
  return request.apiKey ? `key:${request.apiKey.name}` : `ip:${normalizeIP(request.ip)}`;
}

function document429(route: RouteOptions): void {
  const schema = route.schema;
  if (schema?.response === undefined) return;
  route.schema = {
    ...schema,
    response: { ...errorResponses(429), ...(schema.response as object) },
  };
}

export default fp(rateLimits, {
  name: 'tailor-rate-limit',
  fastify: '5.x',
  dependencies: ['tailor-auth'],
});

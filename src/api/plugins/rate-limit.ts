import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { LimitField, RateLimits } from '../../auth-keys.js';
import { type TuningRequest, trialCount } from '../../tuning/tuning-request.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import { addResponseHeaders, isSuccess, RATE_LIMIT } from '../schemas/response-headers.js';
import { weightedRateWindow } from './weighted-rate-window.js';

export interface RateLimitOptions {
  /** The global limits, for keys without their own and for client addresses; absent: none. */
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

/** One of the two budgets, with the names a 429 gives for raising it. */
interface LimitKind {
  field: keyof RateLimits;
  /** Its name in a key's TAILOR_API_KEYS entry. */
  entry: LimitField;
  variable: string;
  cliOption: string;
  /** What it counts, after the figure. */
  counts: string;
  /** Said after the source of the figure. */
  note: string;
}

const PREDICT: LimitKind = {
  field: 'predictPerMinute',
  entry: 'predict',
  variable: 'TAILOR_RATE_LIMIT_PREDICT',
  cliOption: '--predict-per-minute',
  counts: 'prediction requests',
  note: '',
};

const JOBS: LimitKind = {
  field: 'jobsPerMinute',
  entry: 'jobs',
  variable: 'TAILOR_RATE_LIMIT_JOBS',
  cliOption: '--jobs-per-minute',
  counts: 'training jobs',
  note: '; a tuning job counts one per trial',
};

/** The limit in force for one request: the key's own, else the global one; 0: none. */
interface Limit {
  max: number;
  own: boolean;
}

/**
 * Rate limits on prediction and job creation, applied here by route so route files stay
 * unaware of them. A key's own limits (its TAILOR_API_KEYS entry) take the place of the
 * global ones; without keys the global ones apply per client address. Counters live in this
 * process' memory: each API process enforces its own limit. Registered after the auth plugin:
 * the limits' hooks are route-level hooks, which fastify runs after the app's own, so the key
 * is known and rejected callers never count.
 */
const rateLimits: FastifyPluginAsync<RateLimitOptions> = async (app, opts) => {
  const hooks = new Map<string, { onRequest?: LimitHook; preHandler?: LimitHook }>();
  const global = opts.limits;
  // Without global limits there are no keys either (both come from the auth settings).
  if (global !== undefined) {
    const onRequest = limitHook(PREDICT, global, windowPool(), { units: () => 1 });
    for (const route of PREDICT_ROUTES) hooks.set(route, { onRequest });
    const jobWindows = windowPool();
    for (const route of JOB_ROUTES) {
      hooks.set(route.route, { [route.hook]: limitHook(JOBS, global, jobWindows, route) });
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

/**
 * One budget's windows, one per figure: keys with the same limit share a window (each key
 * counted apart), so a key's own limit never changes what another key may do.
 */
function windowPool() {
  const windows = new Map<number, ReturnType<typeof weightedRateWindow>>();
  return (max: number) => {
    let window = windows.get(max);
    if (window === undefined) {
      window = weightedRateWindow(max, WINDOW_MS);
      windows.set(max, window);
    }
    return window;
  };
}

/** A limit's hook: takes the request's units, sets the headers, refuses with 429. */
function limitHook(
  kind: LimitKind,
  global: RateLimits,
  windows: ReturnType<typeof windowPool>,
  { units, explain }: Pick<JobRoute, 'units' | 'explain'>,
): LimitHook {
  return async (request, reply) => {
    const limit = limitFor(request, kind, global);
    if (limit.max === 0) return;
    const count = units(request);
    const decision = windows(limit.max).take(clientKey(request), count);
    reply.header('x-ratelimit-limit', limit.max);
    reply.header('x-ratelimit-remaining', decision.remaining);
    reply.header('x-ratelimit-reset', Math.ceil(decision.resetMs / 1000));
    if (decision.allowed) return;
    const retryAfter = Math.ceil(decision.retryAfterMs / 1000);
    reply.header('retry-after', retryAfter);
    const what = explain?.(count, decision.remaining) ?? '';
    throw new ApiError('RATE_LIMITED', refusal(request, kind, limit, what, retryAfter));
  };
}

function limitFor(request: FastifyRequest, kind: LimitKind, global: RateLimits): Limit {
  const own = request.apiKey?.limits?.[kind.field];
  return own === undefined ? { max: global[kind.field], own: false } : { max: own, own: true };
}

/** Which limit refused the request, the figure and the window, and who can raise it and how. */
function refusal(
  request: FastifyRequest,
  kind: LimitKind,
  limit: Limit,
  what: string,
  retryAfter: number,
): string {
  const key = request.apiKey?.name;
  const holder = key === undefined ? 'client address' : `API key '${key}'`;
  const source = limit.own
    ? `the key's own limit, ${kind.entry}=${limit.max} in its TAILOR_API_KEYS entry`
    : kind.variable;
  let raise: string;
  if (limit.own) {
    raise = `to raise it, change ${kind.entry}=${limit.max} in the key's TAILOR_API_KEYS entry (0: no limit) and restart the API`;
  } else if (key !== undefined) {
    raise = `to raise it, set ${kind.variable} (0: no limit), or give this key its own limit with ${kind.entry}=N in its TAILOR_API_KEYS entry (tailor api-key ${kind.cliOption} N)`;
  } else {
    raise = `to raise it, set ${kind.variable} (0: no limit)`;
  }
  return `rate limit exceeded: ${limit.max} ${kind.counts} per minute per ${holder} (${source}${kind.note})${what}; retry in ${retryAfter} s; ${raise}`;
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
  // The limit's headers go out on every answer of a limited route that passed auth.
  addResponseHeaders(route, (status) => isSuccess(status) || status === 429, RATE_LIMIT);
}

export default fp(rateLimits, {
  name: 'tailor-rate-limit',
  fastify: '5.x',
  dependencies: ['tailor-auth'],
});

import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type {
  FastifyPluginAsync,
  FastifyRequest,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimits } from '../auth-keys.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';

export interface RateLimitOptions {
  /** Absent: no limits. */
  limits?: RateLimits | undefined;
}

/** The limited routes, by method and URL pattern; the routes of one group share one budget. */
const GROUPS: readonly { limit: keyof RateLimits; what: string; routes: readonly string[] }[] = [
  {
    limit: 'predictPerMinute',
    what: 'prediction requests',
    routes: ['POST /v1/predict', 'POST /v1/models/:id/predict'],
  },
  { limit: 'jobsPerMinute', what: 'training job submissions', routes: ['POST /v1/training-jobs'] },
];

const LIMITED_ROUTES = new Set(GROUPS.flatMap((group) => group.routes));

const WINDOW_MS = 60_000;

/**
 * Per-key rate limits on prediction and job creation, applied here by route so route files
 * stay unaware of them. Counters live in this process' memory (@fastify/rate-limit's local
 * store): each API process enforces its own limit. Registered after the auth plugin: the
 * limit's hook is a route-level onRequest hook, which fastify runs after the app's own, so
 * the key is known and rejected callers never count.
 */
const rateLimits: FastifyPluginAsync<RateLimitOptions> = async (app, opts) => {
  await app.register(rateLimit, { global: false });
  const hooks = new Map<string, onRequestHookHandler>();
  for (const group of GROUPS) {
    const max = opts.limits?.[group.limit] ?? 0;
    // 0 turns the limit off.
    if (max === 0) continue;
    const hook = app.rateLimit({
      max,
      timeWindow: WINDOW_MS,
      keyGenerator: clientKey,
      errorResponseBuilder: (request, context) =>
        new ApiError(
          'RATE_LIMITED',
          `rate limit exceeded: ${max} ${group.what} per minute per ${request.apiKey ? 'API key' : 'client address'}; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
    }) as onRequestHookHandler;
    for (const route of group.routes) hooks.set(route, hook);
  }

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const id = `${method} ${route.url}`;
      if (LIMITED_ROUTES.has(id)) document429(route);
      const hook = hooks.get(id);
      if (hook !== undefined) route.onRequest = [...[route.onRequest ?? []].flat(), hook];
    }
  });
};

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

import type { Scope } from '../auth-keys.js';

/**
 * Which scopes may call which route, in one place so route files carry no auth code.
 * Routes are named by method and URL pattern as `request.routeOptions.url` gives them.
 * `admin` may call everything, so it is not listed.
 *
 * A route found neither here nor among the public ones needs `admin`: a new route is closed
 * until it is added here. That also covers any queue dashboard mounted later, which would be
 * admin-only without further changes.
 */
const ROUTES: Record<string, readonly Scope[]> = {
  'POST /v1/predict': ['predict'],
  'POST /v1/models/:id/predict': ['predict'],
  ...protocolRoutes(),
  'GET /v1/models': ['predict', 'train'],
  'GET /v1/models/:id': ['predict', 'train'],
  'GET /v1/models/:id/export': ['predict', 'train'],
  'GET /v1/models/:id/export/tfjs/model.json': ['predict', 'train'],
  'GET /v1/models/:id/export/tfjs/weights.bin': ['predict', 'train'],
  'POST /v1/models/:id/evaluations': ['train'],
  'GET /v1/aliases': ['predict', 'train'],
  'GET /v1/aliases/:name': ['predict', 'train'],
  'PUT /v1/aliases/:name': ['train'],
  'DELETE /v1/aliases/:name': ['train'],
  // Counts and latencies only, no keys or request data; a scraper needs no other scope.
  'GET /metrics': ['metrics'],
};

/** TF Serving's and the Open Inference Protocol's routes: inference as predict, the rest as reads. */
function protocolRoutes(): Record<string, readonly Scope[]> {
  const predict: readonly Scope[] = ['predict'];
  const read: readonly Scope[] = ['predict', 'train'];
  return {
    'POST /v1/models/:name([^:/]+)::predict': predict,
    'POST /v1/models/:name/versions/:version([^:/]+)::predict': predict,
    'POST /v1/models/:name/labels/:label([^:/]+)::predict': predict,
    'GET /v1/models/:name/versions/:version': read,
    'GET /v1/models/:name/labels/:label': read,
    'GET /v1/models/:name/metadata': read,
    'GET /v1/models/:name/versions/:version/metadata': read,
    'GET /v1/models/:name/labels/:label/metadata': read,
    'POST /v2/models/:name/infer': predict,
    'POST /v2/models/:name/versions/:version/infer': predict,
    'GET /v2': read,
    'GET /v2/models/:name': read,
    'GET /v2/models/:name/versions/:version': read,
    'GET /v2/models/:name/ready': read,
    'GET /v2/models/:name/versions/:version/ready': read,
  };
}

/** Every method of every route under these prefixes (the prefix itself included). */
const PREFIXES: readonly { prefix: string; scopes: readonly Scope[] }[] = [
  { prefix: '/v1/training-jobs', scopes: ['train'] },
  { prefix: '/v1/tuning-jobs', scopes: ['train'] },
  { prefix: '/v1/datasets', scopes: ['train'] },
];

/** Probes and the API documentation (Swagger UI, its assets and the OpenAPI JSON/YAML). */
const PUBLIC_URLS = new Set([
  '/healthz',
  '/readyz',
  '/docs',
  // The Open Inference Protocol's probes, as open as tailor's own.
  '/v2/health/live',
  '/v2/health/ready',
]);
const PUBLIC_PREFIXES = ['/docs/'];

const ADMIN_ONLY: readonly Scope[] = [];

export function isPublicRoute(url: string): boolean {
  return PUBLIC_URLS.has(url) || PUBLIC_PREFIXES.some((prefix) => url.startsWith(prefix));
}

/** Scopes besides `admin` that may call a route; empty: admin only. */
export function scopesFor(method: string, url: string): readonly Scope[] {
  // Fastify adds a HEAD route for every GET; it reveals what the GET does.
  const verb = method === 'HEAD' ? 'GET' : method;
  const exact = ROUTES[`${verb} ${url}`];
  if (exact) return exact;
  const under = PREFIXES.find(({ prefix }) => url === prefix || url.startsWith(`${prefix}/`));
  return under?.scopes ?? ADMIN_ONLY;
}

export function mayCall(granted: readonly Scope[], allowed: readonly Scope[]): boolean {
  return granted.includes('admin') || granted.some((scope) => allowed.includes(scope));
}

/** One line per scope, for the OpenAPI document's description of the security schemes. */
export function describeScopes(): string {
  const routes = (scope: Scope) => [
    ...Object.entries(ROUTES)
      .filter(([, scopes]) => scopes.includes(scope))
      // A regular-expression parameter before an escaped colon reads as `:name:predict`.
      .map(([route]) => route.replace(/\([^)]*\)::/g, ':')),
    ...PREFIXES.filter(({ scopes }) => scopes.includes(scope)).map(
      ({ prefix }) => `every ${prefix} route`,
    ),
  ];
  return [
    `predict: ${routes('predict').join(', ')}`,
    `train: ${routes('train').join(', ')}`,
    `metrics: ${routes('metrics').join(', ')}`,
    'admin: every route',
  ].join('\n');
}

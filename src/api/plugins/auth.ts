import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { type ApiKeyEntry, hashApiKey, type KeyLimits, type Scope } from '../../auth-keys.js';
import { isPublicRoute, mayCall, scopesFor } from '../auth-scopes.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';

/** The key a request was authenticated with: its name and scopes, never the key itself. */
export interface AuthenticatedKey {
  name: string;
  scopes: readonly Scope[];
  /** The key's own rate limits from its entry, read by the rate limit plugin. */
  limits?: KeyLimits | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Null when authentication is off or the route is public. */
    apiKey: AuthenticatedKey | null;
  }
}

export interface AuthOptions {
  /** None: authentication is off. */
  apiKeys: readonly ApiKeyEntry[];
  /** The address the API listens on, to warn when it is open beyond this machine. */
  host?: string | undefined;
}

interface StoredKey extends AuthenticatedKey {
  hash: Buffer;
}

const CHALLENGE = 'Bearer realm="tailor"';
const NO_KEY = 'an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>';

/**
 * API key authentication and scope checks for every route (scopes: auth-scopes.ts). Runs as
 * the first onRequest hook so nothing else (rate limits, body parsing) happens for a caller
 * that is turned away.
 */
const auth: FastifyPluginAsync<AuthOptions> = async (app, opts) => {
  const keys: StoredKey[] = opts.apiKeys.map((key) => ({
    name: key.name,
    scopes: key.scopes,
    limits: key.limits,
    hash: Buffer.from(key.sha256, 'hex'),
  }));
  app.decorateRequest('apiKey', null);
  // The OpenAPI document shows the same security whether or not keys are configured.
  app.addHook('onRoute', documentSecurity);

  if (keys.length === 0) {
    app.addHook('onReady', async () => {
      if (opts.host !== undefined && !isLoopback(opts.host)) {
        app.log.warn(
          { host: opts.host },
          'authentication is off (TAILOR_API_KEYS is empty) but the API listens beyond this machine; see docs/security.md',
        );
      }
    });
    return;
  }

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (url !== undefined && isPublicRoute(url)) return;
    const presented = presentedKey(request);
    if (presented === undefined) throw unauthorized(reply, NO_KEY, CHALLENGE);
    const key = findKey(keys, presented);
    if (key === undefined) {
      throw unauthorized(reply, 'the API key is not known', `${CHALLENGE}, error="invalid_token"`);
    }
    request.apiKey = { name: key.name, scopes: key.scopes, limits: key.limits };
    const log = request.log.child({ apiKey: key.name });
    request.log = log;
    // Fastify logs the response through the reply's logger.
    reply.log = log;
    // A URL that matches no route gets its 404 from any valid key.
    if (url === undefined || request.is404) return;
    const allowed = scopesFor(request.method, url);
    if (!mayCall(key.scopes, allowed)) {
      throw new ApiError('FORBIDDEN', forbiddenMessage(request.method, url, allowed, key));
    }
  });
};

/** `Authorization: Bearer <key>` first; else `X-API-Key` (Authorization may be a proxy's). */
function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  const bearer = authorization?.match(/^Bearer +(\S+) *$/i)?.[1];
  if (bearer !== undefined) return bearer;
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** Compares the presented key's hash with every stored one, in constant time, without early exit. */
function findKey(keys: readonly StoredKey[], presented: string): StoredKey | undefined {
  const hash = Buffer.from(hashApiKey(presented), 'hex');
  let found: StoredKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(hash, key.hash)) found = key;
  }
  return found;
}

function unauthorized(reply: FastifyReply, message: string, challenge: string): ApiError {
  reply.header('www-authenticate', challenge);
  return new ApiError('UNAUTHORIZED', message);
}

function forbiddenMessage(
  method: string,
  url: string,
  allowed: readonly Scope[],
  key: AuthenticatedKey,
): string {
  const needed =
    allowed.length === 0 ? 'the admin scope' : `the ${allowed.join(' or ')} scope (or admin)`;
  return `${method} ${url} needs ${needed}; API key '${key.name}' has ${key.scopes.join(', ')}`;
}

/** Public routes declare no security; the others may answer 401 and 403. */
function documentSecurity(route: RouteOptions): void {
  const schema = route.schema;
  if (schema === undefined || schema.hide === true) return;
  if (isPublicRoute(route.url)) {
    route.schema = { ...schema, security: [] };
  } else if (schema.response !== undefined) {
    route.schema = {
      ...schema,
      response: { ...errorResponses(401, 403), ...(schema.response as object) },
    };
  }
}

function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (address === 'localhost') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || address.startsWith('::ffff:127.');
}

export default fp(auth, { name: 'tailor-auth', fastify: '5.x' });

import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { addResponseHeaders, ETAG } from '../schemas/response-headers.js';

/**
 * Model and job resources, as `request.routeOptions.url` names them. A model version never
 * changes, so its documents revalidate for free; a job's ETag changes with its state.
 */
const TAGGED_ROUTES = new Set([
  '/v1/models',
  '/v1/models/:id',
  '/v1/models/:id/export',
  '/v1/models/:id/export/tfjs/model.json',
  '/v1/models/:id/export/tfjs/weights.bin',
  '/v1/training-jobs',
  '/v1/training-jobs/:id',
  '/v1/tuning-jobs',
  '/v1/tuning-jobs/:id',
]);

/**
 * ETags on model and job resources, and 304 Not Modified to a GET whose `If-None-Match` names
 * the current one (RFC 9110, section 13.1.2), so a client polling a job or caching a model
 * does not download what it has. A route may set its own tag; otherwise the tag hashes the
 * body as serialized, in an onSend hook of the app: those run before the routes' own, so
 * before compression, and the tag is weak since it stands for the compressed and the plain
 * bytes alike.
 */
const etag: FastifyPluginAsync = async (app) => {
  app.addHook('onRoute', (route) => {
    if ([route.method].flat().includes('GET') && TAGGED_ROUTES.has(route.url)) {
      addResponseHeaders(route, (status) => status === 200, ETAG);
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!isTagged(request, reply)) return payload;
    const tag = routeTag(reply) ?? bodyTag(payload);
    if (tag === undefined) return payload;
    reply.header('etag', tag);
    if (!matches(request.headers['if-none-match'], tag)) return payload;
    reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    return '';
  });
};

/** A tag the route chose itself (the model exports tag with the model's digest). */
function routeTag(reply: FastifyReply): string | undefined {
  const tag = reply.getHeader('etag');
  return typeof tag === 'string' ? tag : undefined;
}

/** A stream is sent as it comes: there is nothing to hash without holding it all. */
function bodyTag(payload: unknown): string | undefined {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return undefined;
  return `W/"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;
}

function isTagged(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const url = request.routeOptions.url;
  return reply.statusCode === 200 && url !== undefined && TAGGED_ROUTES.has(url);
}

/** Weak comparison, as If-None-Match asks: `W/` prefixes are ignored; `*` matches any. */
function matches(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  const wanted = opaque(tag);
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === wanted);
}

export default fp(etag, { name: 'tailor-etag', fastify: '5.x' });

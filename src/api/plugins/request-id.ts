import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The caller's id lets one request be followed across services; it lands in logs and a
 * response header, so only short ids of safe characters are trusted, anything else is replaced.
 */
const trustedId = /^[\w.:/+=-]{1,128}$/;

/**
 * Fastify's `genReqId`: the `x-request-id` header when it is a trusted id, else a random UUID.
 * Fastify's own `requestIdHeader` would accept any value unchecked
 * (https://fastify.dev/docs/latest/Reference/Server/#requestidheader).
 */
export function genReqId(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  return typeof header === 'string' && trustedId.test(header) ? header : randomUUID();
}

/** Echoes the request id on every response, including 404s and errors. */
const requestId: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
};

export default fp(requestId, { name: 'tailor-request-id', fastify: '5.x' });

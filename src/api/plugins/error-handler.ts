import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isRedisUnavailable } from '../../redis/connection-errors.js';
import { StoreError } from '../../store/store-errors.js';
import { type ErrorResponse, toErrorResponse } from '../error-response.js';
import { ApiError } from '../errors.js';
import { RouteMethods } from '../route-methods.js';
import { ErrorBody } from '../schemas/error.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/**
 * The one place where errors become responses: `{ error: { code, message, details?, requestId } }`.
 * Wrapped with fastify-plugin so the handlers apply to every route of the app
 * (https://fastify.dev/docs/latest/Reference/Server/#seterrorhandler).
 */
const errorHandler: FastifyPluginAsync = async (app) => {
  // Routes reference the body with `errorResponses(...)`; see schemas/error.ts.
  app.addSchema(ErrorBody);

  app.setErrorHandler((error, request, reply) =>
    send(request, reply, answerFor(error, request, reply)),
  );

  // Every route of the app, to tell a path that exists but not with this method.
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));

  app.setNotFoundHandler((request, reply) => {
    // The query string is left out: it may carry values that do not belong in a response.
    const path = request.url.split('?')[0] as string;
    const allow = routes.allowed(path).join(', ');
    if (allow) {
      reply.header('allow', allow);
      return send(request, reply, {
        statusCode: 405,
        code: 'METHOD_NOT_ALLOWED',
        message: `${path} does not take ${request.method}; it takes ${allow}`,
      });
    }
    return send(request, reply, {
      statusCode: 404,
      code: 'NOT_FOUND',
      message: `no route for ${request.method} ${path}`,
    });
  });
};

/**
 * The answer a client gets for an error, logged: as a fault of ours (5xx) or a refusal. A
 * `Retry-After` goes with it when the error names its own wait (`retryAfterSeconds`), and on
 * every 503, where a retry is the advice.
 */
export function answerFor(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): ErrorResponse {
  const response = toErrorResponse(explained(error, request));
  const own = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  const wait =
    typeof own === 'number' && Number.isInteger(own) && own > 0
      ? own
      : response.statusCode === 503
        ? RETRY_AFTER_SECONDS
        : undefined;
  if (wait !== undefined && !reply.hasHeader('retry-after')) {
    reply.header('retry-after', String(wait));
  }
  if (response.statusCode >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else {
    request.log.info({ code: response.code, statusCode: response.statusCode }, 'request rejected');
  }
  return response;
}

/**
 * Errors that deserve a clearer answer than the generic mapping gives them: a body over the
 * route's limit says the limit, and a stored model that fails its hash check is our fault (a
 * 5xx) but gets its own code, since retrying cannot help until an operator restores it. The
 * store's message names files and hashes, so it goes to the log only.
 */
function explained(error: unknown, request: FastifyRequest): unknown {
  if (error instanceof StoreError && error.code === 'INTEGRITY') {
    return new ApiError('MODEL_INTEGRITY');
  }
  // Whichever route met it: the registry, the queues and the key store all live in Redis.
  if (isRedisUnavailable(error)) {
    return new ApiError('SERVICE_UNAVAILABLE', 'Redis is unavailable; retry later');
  }
  if ((error as { code?: unknown } | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit;
    return new ApiError(
      'PAYLOAD_TOO_LARGE',
      limit === undefined
        ? undefined
        : `the request body is larger than ${megabytes(limit)}, the limit of this route`,
    );
  }
  return error;
}

/**
 * For fastify's `frameworkErrors` server option. The router refuses some URLs before any hook
 * or handler runs (a malformed percent-encoding, a path segment over its 100-character limit)
 * and would otherwise answer in its own format, echoing the whole path.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header(REQUEST_ID_HEADER, request.id);
  const refusal = ROUTER_REFUSALS[error.code];
  const response = refusal ? { statusCode: 400, ...refusal } : toErrorResponse(error);
  if (response.statusCode >= 500) request.log.error({ err: error }, 'request failed');
  return send(request, reply, response);
}

const ROUTER_REFUSALS: Record<string, { code: string; message: string } | undefined> = {
  FST_ERR_BAD_URL: { code: 'BAD_REQUEST', message: 'the URL path holds a malformed %-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'BAD_REQUEST',
    message: 'a path segment is longer than 100 characters; ids are 1-64 characters',
  },
};

function megabytes(bytes: number): string {
  const mb = bytes / 1024 / 1024;
  return mb >= 1 ? `${Number(mb.toFixed(1))} MB` : `${bytes} bytes`;
}

/** Seconds a client is asked to wait after a 503: Redis restarts and reconnects take a few. */
export const RETRY_AFTER_SECONDS = 5;

function send(request: FastifyRequest, reply: FastifyReply, response: ErrorResponse) {
  const { statusCode, ...error } = response;
  const body: ErrorBody = { error: { ...error, requestId: request.id } };
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

export default fp(errorHandler, { name: 'tailor-error-handler', fastify: '5.x' });

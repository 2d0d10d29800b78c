import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type ErrorResponse, toErrorResponse } from '../error-response.js';
import { ErrorBody } from '../schemas/error.js';

/**
 * The one place where errors become responses: `{ error: { code, message, details?, requestId } }`.
 * Wrapped with fastify-plugin so the handlers apply to every route of the app
 * (https://fastify.dev/docs/latest/Reference/Server/#seterrorhandler).
 */
const errorHandler: FastifyPluginAsync = async (app) => {
  // Routes reference the body with `errorResponses(...)`; see schemas/error.ts.
  app.addSchema(ErrorBody);

  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error);
    if (response.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info(
        { code: response.code, statusCode: response.statusCode },
        'request rejected',
      );
    }
    return send(request, reply, response);
  });

  app.setNotFoundHandler((request, reply) =>
    send(request, reply, {
      statusCode: 404,
      code: 'NOT_FOUND',
      // The query string is left out: it may carry values that do not belong in a response.
      message: `no route for ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
};

function send(request: FastifyRequest, reply: FastifyReply, response: ErrorResponse) {
  const { statusCode, ...error } = response;
  const body: ErrorBody = { error: { ...error, requestId: request.id } };
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

export default fp(errorHandler, { name: 'tailor-error-handler', fastify: '5.x' });

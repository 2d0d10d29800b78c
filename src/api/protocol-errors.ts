import type { FastifyInstance } from 'fastify';
import { answerFor } from './plugins/error-handler.js';

/**
 * Errors of the standard inference protocols' routes in those protocols' own body,
 * `{"error": "<message>"}` (TF Serving's REST API and the Open Inference Protocol both use it),
 * instead of tailor's `{error: {code, message, requestId}}`. Statuses and messages are the
 * ones tailor's handler gives; the request id stays in the `x-request-id` header. Set in a
 * route plugin, it applies to that plugin's routes only, hooks included (401, 403, 429).
 */
export function useProtocolErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const response = answerFor(error, request, reply);
    // Serialized here: the statuses hooks add (401, 403, 429) are documented on every route
    // with tailor's body by the auth and rate-limit plugins unless the route declares them.
    return reply
      .code(response.statusCode)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ error: response.message }));
  });
}

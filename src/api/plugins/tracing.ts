import {
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface TracingOptions {
  /** Absent: tracing is off, and no hook is added. */
  tracer?: Tracer | undefined;
}

/** Probes and scrapes: frequent machine traffic whose traces would bury the requests. */
const UNTRACED = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics']);

/**
 * One SERVER span per request, named by its route pattern as OpenTelemetry's HTTP conventions
 * name them (`POST /v1/training-jobs`), child of the caller's span when the request carries a
 * W3C `traceparent`. The span is current for the rest of the request's hooks and its handler,
 * so what they do (queueing a job, a prediction) becomes its child. fastify keeps the async
 * context through body parsing, so entering it in the first onRequest hook is enough.
 */
const tracing: FastifyPluginAsync<TracingOptions> = async (app, { tracer }) => {
  if (tracer === undefined) return;
  const spans = new WeakMap<FastifyRequest, Span>();

  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.is404 ? undefined : request.routeOptions.url;
    if (UNTRACED.has(`${request.method} ${route}`)) return done();
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.url.split('?', 1)[0],
          ...(route !== undefined && { [ATTR_HTTP_ROUTE]: route }),
          'tailor.request_id': request.id,
        },
      },
      parent,
    );
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });

  const end = (request: FastifyRequest, status: number | undefined) => {
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    if (status === undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection' });
    } else {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      // A server span is in error for a 5xx only: a 4xx is the caller's mistake, answered.
      if (status >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  };
  app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode));
  app.addHook('onRequestAbort', async (request) => end(request, undefined));
};

export default fp(tracing, { name: 'tailor-tracing', fastify: '5.x' });

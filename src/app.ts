import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { AppDeps } from './api/deps.js';
import { requestSerializer } from './api/log-serializers.js';
import auth from './api/plugins/auth.js';
import compression from './api/plugins/compression.js';
import cors from './api/plugins/cors.js';
import deps from './api/plugins/deps.js';
import errorHandler, { frameworkErrors } from './api/plugins/error-handler.js';
import etag from './api/plugins/etag.js';
import metrics from './api/plugins/metrics.js';
import rateLimits from './api/plugins/rate-limit.js';
import requestId, { genReqId } from './api/plugins/request-id.js';
import swagger from './api/plugins/swagger.js';
import tracing from './api/plugins/tracing.js';
import aliases from './api/routes/aliases.js';
import datasetExploration from './api/routes/dataset-exploration.js';
import datasets from './api/routes/datasets.js';
import evaluations from './api/routes/evaluations.js';
import health from './api/routes/health.js';
import inferenceV2 from './api/routes/inference-v2.js';
import modelExport from './api/routes/model-export.js';
import models from './api/routes/models.js';
import predict from './api/routes/predict.js';
import reports from './api/routes/reports.js';
import tfServing from './api/routes/tf-serving.js';
import trainingJobs from './api/routes/training-jobs.js';
import tuningJobs from './api/routes/tuning-jobs.js';
import { clientErrorHandler } from './client-errors.js';

export type { AppDeps, CheckResult, ReadinessReport } from './api/deps.js';

/** The app as routes see it: TypeBox schemas give typed requests and replies. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Server options the process entry point (or a test) decides; everything else is fixed here. */
export type AppOptions = Pick<
  FastifyServerOptions,
  | 'logger'
  | 'loggerInstance'
  | 'bodyLimit'
  | 'connectionTimeout'
  | 'requestTimeout'
  | 'keepAliveTimeout'
>;

/**
 * Builds the API; it never listens, so tests drive it with `app.ready()` and supertest
 * (https://fastify.dev/docs/latest/Guides/Testing/). Routes may still be added before `ready()`.
 */
export function buildApp(appDeps: AppDeps, opts: AppOptions = {}): App {
  const app = Fastify({
    ...withSafeLogs(opts),
    genReqId,
    requestIdHeader: false,
    frameworkErrors,
    clientErrorHandler: clientErrorHandler(opts.requestTimeout),
  })
    // TypeBox compiles the route schemas. Unlike fastify's default Ajv setup (coerceTypes:
    // 'array', removeAdditional: true) it never strips unknown keys, so `additionalProperties:
    // false` rejects them, and it converts types only in querystring, params and headers: a
    // JSON body must carry the right types
    // (https://github.com/fastify/fastify-type-provider-typebox#type-compiler).
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();

  app.register(deps, { deps: appDeps });
  app.register(requestId);
  // First of the request hooks, so that its span covers all the others, auth included.
  app.register(tracing, { tracer: appDeps.tracer });
  app.register(errorHandler);
  // Before auth: a browser's preflight carries no API key.
  app.register(cors, { origins: appDeps.http?.corsOrigins ?? [] });
  app.register(compression, { enabled: appDeps.http?.compression ?? true });
  app.register(etag);
  // Before swagger and the routes: both plugins apply to routes through onRoute hooks.
  app.register(auth, { apiKeys: appDeps.auth?.apiKeys ?? [], host: appDeps.auth?.host });
  app.register(rateLimits, { limits: appDeps.auth?.rateLimits, store: appDeps.rateLimitStore });
  app.register(metrics, { sources: appDeps.metrics });
  app.register(swagger, { version: appDeps.version });
  // Routes: one plugin per resource, registered after swagger so the document includes them.
  app.register(health);
  app.register(trainingJobs);
  app.register(tuningJobs);
  app.register(models);
  app.register(modelExport);
  app.register(aliases);
  app.register(evaluations);
  app.register(predict);
  // The standard inference protocols, over the same predictor.
  app.register(tfServing);
  app.register(inferenceV2);
  app.register(datasets, {
    ...appDeps.datasetRoutes,
    store: appDeps.datasets,
    dataDir: appDeps.dataDir ?? 'data',
  });
  app.register(datasetExploration, {
    store: appDeps.datasets,
    dataDir: appDeps.dataDir ?? 'data',
    systemDirs: appDeps.datasetRoutes?.systemDirs,
  });
  // HTML pages over the JSON resources above.
  app.register(reports);
  return app;
}

/** The access log through our request serializer, whichever way the logger was given. */
function withSafeLogs(opts: AppOptions): AppOptions {
  const serializers = { req: requestSerializer };
  if (opts.loggerInstance) {
    return { ...opts, loggerInstance: opts.loggerInstance.child({}, { serializers }) };
  }
  if (opts.logger === true) return { ...opts, logger: { serializers } };
  if (typeof opts.logger === 'object' && opts.logger !== null) {
    return {
      ...opts,
      logger: { ...opts.logger, serializers: { ...opts.logger.serializers, ...serializers } },
    };
  }
  return opts;
}

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { describeScopes } from '../auth-scopes.js';
import { hoistTitledSchemas } from '../openapi-components.js';
import { OPERATION_IDS } from '../operation-ids.js';
import { PredictionInstance } from '../schemas/predict.js';

export interface SwaggerOptions {
  version: string;
}

export const API_TAGS = [
  { name: 'health', description: 'Liveness and readiness probes' },
  { name: 'training-jobs', description: 'Submit, follow and cancel training jobs' },
  { name: 'models', description: 'Trained model versions and their metrics' },
  { name: 'predict', description: 'Classify images with a trained model' },
  { name: 'datasets', description: 'Data sets available for training' },
  { name: 'tuning-jobs', description: 'Hyperparameter searches over several training jobs' },
  { name: 'aliases', description: 'Stable names (such as production) that point at a model' },
  {
    name: 'tf-serving',
    description: "TensorFlow Serving's REST API: predict, model status and metadata",
  },
  {
    name: 'open-inference-protocol',
    description: 'The Open Inference Protocol (KServe V2, Triton): health, metadata and infer',
  },
];

const KEYS_NOTE = `API key, when the server has keys configured (see docs/security.md). Scopes:
${describeScopes()}`;

const SECURITY_SCHEMES = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: KEYS_NOTE },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: KEYS_NOTE },
} as const;

/**
 * The OpenAPI document is generated from the route schemas; it must be registered before
 * the routes so its onRoute hook sees them (https://github.com/fastify/fastify-swagger#usage).
 */
const swaggerPlugin: FastifyPluginAsync<SwaggerOptions> = async (app, opts) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tailor',
        description:
          'Train and serve Keras-style CNN image classifiers.\n\nErrors answer `ErrorBody` (the protocol routes: `ProtocolError`), always as JSON; `error.code` is one of the codes its schema lists. A path asked with a method it does not take answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header naming the methods it takes.',
        version: opts.version,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative, so the document holds for whatever host and prefix serve it.
      servers: [{ url: '/' }],
      tags: API_TAGS,
      // Either scheme carries the same key. Every route requires one unless it declares
      // `security: []` (the health probes); the auth plugin sets that from its table.
      components: { securitySchemes: SECURITY_SCHEMES },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    },
    transformObject: (document) =>
      'openapiObject' in document
        ? hoistTitledSchemas(withOperationIds(document.openapiObject), { PredictionInstance })
        : document.swaggerObject,
    // Shared schemas keep their `$id` as component name instead of `def-0`, `def-1`
    // (https://github.com/fastify/fastify-swagger#managing-your-refs).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
};

/** Stamps each operation with its id from the table; one missing from it stays without. */
function withOperationIds<D extends { paths?: object }>(document: D): D {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries((item ?? {}) as object)) {
      const id = OPERATION_IDS[`${method.toUpperCase()} ${path}`];
      if (id && typeof operation === 'object' && operation !== null) {
        (operation as { operationId?: string }).operationId = id;
      }
    }
  }
  return document;
}

export default fp(swaggerPlugin, { name: 'tailor-swagger', fastify: '5.x' });

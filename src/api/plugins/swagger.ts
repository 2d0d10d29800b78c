import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface SwaggerOptions {
  version: string;
}

export const API_TAGS = [
  { name: 'health', description: 'Liveness and readiness probes' },
  { name: 'training-jobs', description: 'Submit, follow and cancel training jobs' },
  { name: 'models', description: 'Trained model versions and their metrics' },
  { name: 'predict', description: 'Classify images with a trained model' },
  { name: 'datasets', description: 'Data sets available for training' },
];

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
        description: 'Train and serve Keras-style CNN image classifiers',
        version: opts.version,
      },
      tags: API_TAGS,
    },
    // Shared schemas keep their `$id` as component name instead of `def-0`, `def-1`
    // (https://github.com/fastify/fastify-swagger#managing-your-refs).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
};

export default fp(swaggerPlugin, { name: 'tailor-swagger', fastify: '5.x' });

import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDeps } from '../deps.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Injected services; routes reach them here, never through module singletons. */
    deps: AppDeps;
  }
}

const deps: FastifyPluginAsync<{ deps: AppDeps }> = async (app, opts) => {
  app.decorate('deps', opts.deps);
};

export default fp(deps, { name: 'tailor-deps', fastify: '5.x' });

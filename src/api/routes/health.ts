import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ReadinessReport } from '../deps.js';
import { errorMessage } from '../readiness.js';
import { errorResponses } from '../schemas/error.js';
import { Liveness, NotReady, Ready } from '../schemas/health.js';

/**
 * Probes in the Kubernetes sense
 * (https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/):
 * liveness never looks at dependencies, so a Redis outage does not get the process restarted;
 * readiness does, so traffic is held back until they are usable.
 */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up and its event loop answers',
        response: { 200: Liveness, ...errorResponses(500) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: every dependency is usable',
        response: { 200: Ready, 503: NotReady, ...errorResponses(500) },
      },
    },
    async (_request, reply) => {
      const checks = await runReadiness(app.deps.readiness);
      const ready = Object.values(checks).every((check) => check.ok);
      return ready
        ? reply.code(200).send({ status: 'ready', checks })
        : reply.code(503).send({ status: 'not_ready', checks });
    },
  );
};

/** A readiness function that throws reports not ready; the probe itself never fails. */
async function runReadiness(readiness: () => Promise<ReadinessReport>): Promise<ReadinessReport> {
  try {
    return await readiness();
  } catch (error) {
    return { readiness: { ok: false, detail: errorMessage(error) } };
  }
}

export default health;

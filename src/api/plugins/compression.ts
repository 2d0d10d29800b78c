import fastifyCompress from '@fastify/compress';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface CompressionOptions {
  enabled: boolean;
}

/** Smaller answers gain little: the headers alone are a few hundred bytes. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * JSON, HTML reports and the metrics text; never event streams (their events must reach the
 * client as they are written) nor zip archives. The plugin also compresses what mime-db calls
 * compressible, which includes application/octet-stream: see UNCOMPRESSED_ROUTES.
 */
const COMPRESSIBLE = /^(?:application\/(?:[\w.-]+\+)?json|text\/html|text\/plain)(?:;|$)/;

/** Raw float32 weights: megabytes that shrink by a few percent for a lot of CPU. */
const UNCOMPRESSED_ROUTES = new Set(['/v1/models/:id/export/tfjs/weights.bin']);

/**
 * Response compression, brotli or gzip as the client's `Accept-Encoding` prefers
 * (https://github.com/fastify/fastify-compress). Request bodies are not decompressed: a
 * compressed upload would be a way around the body limits' intent, and no client needs it.
 */
const compression: FastifyPluginAsync<CompressionOptions> = async (app, opts) => {
  if (!opts.enabled) return;
  // Before the plugin's own onRoute hook, which reads this route option (its type augments
  // only the non-generic RouteOptions).
  app.addHook('onRoute', (route) => {
    const options = route as { compress?: false; decompress?: false };
    options.decompress = false;
    if (UNCOMPRESSED_ROUTES.has(route.url)) options.compress = false;
  });
  await app.register(fastifyCompress, {
    global: true,
    threshold: COMPRESSION_THRESHOLD_BYTES,
    encodings: ['br', 'gzip'],
    customTypes: COMPRESSIBLE,
  });
};

export default fp(compression, { name: 'tailor-compression', fastify: '5.x' });

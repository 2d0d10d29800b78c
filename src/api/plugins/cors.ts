import fastifyCors from '@fastify/cors';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from './request-id.js';

export interface CorsOptions {
  /** Origins whose pages may call the API, or `*`; empty: no CORS headers at all. */
  origins: readonly string[];
}

/** Request headers a page may send: the API key, bodies, and a request id to trace by. */
const ALLOWED_HEADERS = ['authorization', 'x-api-key', 'content-type', REQUEST_ID_HEADER];

/** Response headers a page may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = [
  REQUEST_ID_HEADER,
  'location',
  'etag',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'content-disposition',
];

/**
 * Opt-in CORS, so that pages of the configured origins (a dashboard, `tf.loadLayersModel`
 * over an exported model) may call the API. Registered before the auth plugin: a browser
 * sends its preflight without the API key, and @fastify/cors answers it in its onRequest hook
 * before any later hook runs (https://github.com/fastify/fastify-cors#options). A preflight
 * from another origin gets no `Access-Control-Allow-Origin`, so the browser stops there.
 * Keys travel in headers, never cookies, so credentials stay off.
 */
const cors: FastifyPluginAsync<CorsOptions> = async (app, opts) => {
  if (opts.origins.length === 0) return;
  await app.register(fastifyCors, {
    origin: opts.origins.includes('*') ? '*' : [...opts.origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
    // An OPTIONS request without Origin would otherwise get a plain-text 400 in no format of ours.
    strictPreflight: false,
  });
};

export default fp(cors, { name: 'tailor-cors', fastify: '5.x' });

import { pino } from 'pino';
import { readConfig } from '../config.js';
import { isRedisUnavailable, RedisUnreachableError } from '../redis/connection-errors.js';
import { checkEvictionPolicy } from '../redis/eviction-policy.js';
import { ensureRedis } from '../redis/local-redis.js';
import { startServer } from '../server.js';
import { createApiServices } from '../service/api-services.js';
import { startTracing } from '../service/tracing.js';
import { startTrainingWorker } from '../service/worker-process.js';
import { formatOptions, type OptionDoc, parseOptions } from './option-table.js';

export type ServiceKind = 'serve' | 'worker' | 'start';

const OPTIONS: OptionDoc[] = [{ name: 'help', type: 'boolean', help: 'Show this help.' }];

export const SERVICE_HELP = `Usage: tailor serve | worker | start

  serve    the REST API (Swagger UI at /docs)
  worker   a training worker: runs queued training jobs
  start    both in one process (what 'npm start' runs)

Settings come from the environment; the README's configuration table lists every
variable (PORT, HOST, REDIS_URL, TAILOR_BACKEND, LOG_LEVEL, ...). Without REDIS_URL, a Redis on 127.0.0.1:6379 is used, or a local
redis-server is started with its data under TAILOR_DATA_DIR/redis.

Options:
${formatOptions(OPTIONS)}`;

/** Runs the API, a worker or both until SIGTERM/SIGINT, then closes everything gracefully. */
export async function serviceCommand(
  kind: ServiceKind,
  argv: string[],
  version: string,
  out: NodeJS.WritableStream,
): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) {
    out.write(`${SERVICE_HELP}\n`);
    return 0;
  }
  const config = readConfig();
  const log = pino({ level: config.logLevel });
  const redis = await ensureRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir });
  log.info({ redis: redis.url, source: redis.source }, 'redis');
  try {
    await checkEvictionPolicy(redis.url);
  } catch (err) {
    await redis.stop();
    throw isRedisUnavailable(err) ? new RedisUnreachableError(redis.url, err) : err;
  }
  const serviceName = { serve: 'tailor-api', worker: 'tailor-worker', start: 'tailor' }[kind];
  const tracing = startTracing(config.tracing, { serviceName, version }, log);
  // Closed in this order: stop taking requests, then stop taking jobs, then Redis, then
  // send the last spans.
  const closers: (() => Promise<void>)[] = [];
  if (kind !== 'worker') {
    const services = createApiServices(config, redis.url, version, tracing?.tracer);
    const server = await startServer({
      host: config.host,
      port: config.port,
      logLevel: config.logLevel,
      deps: services.deps,
      closeDeps: services.close,
      signals: [],
    });
    closers.push(server.close);
    log.info({ url: server.url, docs: `${server.url}/docs` }, 'api listening');
  }
  if (kind !== 'serve') {
    const worker = startTrainingWorker(config, redis.url, log, tracing?.tracer);
    closers.push(worker.close);
    log.info({ concurrency: config.workerConcurrency }, 'training worker started');
  }
  closers.push(redis.stop);
  if (tracing) closers.push(tracing.shutdown);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log.info({ signal }, 'shutting down');
  for (const close of closers) await close();
  return 0;
}

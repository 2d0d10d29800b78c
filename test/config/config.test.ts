import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config.js';

describe('readConfig', () => {
  it('has working defaults with an empty environment', () => {
    expect(readConfig({})).toEqual({
      backend: 'auto',
      dataDir: 'data',
      checkpointDir: 'checkpoints',
      artifactDir: 'artifacts',
      host: '127.0.0.1',
      port: 3000,
      redisUrl: undefined,
      logLevel: 'info',
      workerConcurrency: 1,
      queuePrefix: 'tailor',
    });
  });

  it('reads every variable', () => {
    const config = readConfig({
      TAILOR_BACKEND: 'cpu',
      TAILOR_DATA_DIR: '/d',
      TAILOR_CHECKPOINT_DIR: '/c',
      TAILOR_ARTIFACT_DIR: '/a',
      HOST: '0.0.0.0',
      PORT: '8080',
      REDIS_URL: 'redis://redis:6379/0',
      LOG_LEVEL: 'debug',
      TAILOR_WORKER_CONCURRENCY: '2',
      TAILOR_QUEUE_PREFIX: 'staging',
    });
    expect(config).toMatchObject({ backend: 'cpu', port: 8080, redisUrl: 'redis://redis:6379/0' });
    expect(config).toMatchObject({
      logLevel: 'debug',
      workerConcurrency: 2,
      queuePrefix: 'staging',
    });
  });

  it.each([
    [
      { TAILOR_BACKEND: 'gpu' },
      "TAILOR_BACKEND must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu; got 'gpu'",
    ],
    [{ PORT: 'http' }, "PORT must be an integer from 0 to 65535; got 'http'"],
    [{ PORT: '70000' }, "PORT must be an integer from 0 to 65535; got '70000'"],
    [{ PORT: '-1' }, "PORT must be an integer from 0 to 65535; got '-1'"],
    [
      { TAILOR_WORKER_CONCURRENCY: '0' },
      "TAILOR_WORKER_CONCURRENCY must be an integer from 1 to 64; got '0'",
    ],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must start with redis:// or rediss://'],
    [{ REDIS_URL: '::' }, "REDIS_URL is not a URL: '::'"],
    [{ TAILOR_QUEUE_PREFIX: 'a b' }, 'TAILOR_QUEUE_PREFIX must match'],
    [{ TAILOR_DATA_DIR: ' ' }, 'TAILOR_DATA_DIR is set but empty'],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });
});

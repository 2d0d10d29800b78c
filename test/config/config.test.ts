import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config.js';

describe('readConfig', () => {
  it('has working defaults with an empty environment', () => {
    expect(readConfig({})).toEqual({
      backend: 'auto',
      trainingStep: 'auto',
      trainingThreads: 0,
      inferenceThreads: 1,
      inferenceWorkers: 1,
      predictMaxBatch: 64,
      predictMaxDelayMs: 0,
      imageDecoding: { workers: 2, timeoutMs: 15_000, maxQueuedPixels: 134_217_728 },
      dataDir: 'data',
      checkpointDir: 'checkpoints',
      artifactDir: 'artifacts',
      storage: { kind: 'file' },
      host: '127.0.0.1',
      port: 3000,
      redisUrl: undefined,
      logLevel: 'info',
      workerConcurrency: 1,
      queuePrefix: 'tailor',
      jobLockSeconds: 30,
      shutdownGraceSeconds: 30,
      rateLimitRedisTimeoutMs: 2000,
      batchGate: false,
      auth: { apiKeys: [], rateLimits: { predictPerMinute: 0, jobsPerMinute: 30 } },
      datasets: {
        limits: { maxFileBytes: 256 * 1024 * 1024, maxImages: 200_000, maxImagePixels: 65_536 },
        quotas: { perKey: 20, total: 200 },
      },
      specLimits: {
        maxParameters: 100_000_000,
        maxActivationBytes: 4096 * 2 ** 20,
        maxFlopsPerImage: 10_000_000_000,
      },
      http: { corsOrigins: [], compression: true },
      tracing: undefined,
    });
  });

  it("turns tracing on with OpenTelemetry's endpoint variables, the traces one first", () => {
    expect(readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: undefined,
    });
    expect(
      readConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/spans',
        OTEL_SERVICE_NAME: 'tailor-eu',
      }).tracing,
    ).toEqual({ tracesUrl: 'https://traces.example.com/otlp/spans', serviceName: 'tailor-eu' });
    expect(
      readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })
        .tracing,
    ).toBeUndefined();
    expect(readConfig({ OTEL_SERVICE_NAME: 'alone' }).tracing).toBeUndefined();
  });

  it('reads an S3 store with its endpoint, region, credentials and addressing', () => {
    expect(
      readConfig({
        TAILOR_STORAGE_URL: 's3://tailor-models/prod/eu',
        AWS_ENDPOINT_URL_S3: 'http://minio:9000',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'key',
        AWS_SECRET_ACCESS_KEY: 'secret',
      }).storage,
    ).toEqual({
      kind: 's3',
      bucket: 'tailor-models',
      prefix: 'prod/eu',
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
    });
    // AWS itself: virtual-hosted addressing, the SDK's own credential chain.
    expect(readConfig({ TAILOR_STORAGE_URL: 's3://bucket-a/' }).storage).toEqual({
      kind: 's3',
      bucket: 'bucket-a',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: false,
    });
    expect(readConfig({ TAILOR_STORAGE_URL: '' }).storage).toEqual({ kind: 'file' });
  });

  it.each([
    [{ TAILOR_STORAGE_URL: 'file:///data' }, 'TAILOR_STORAGE_URL must be s3://bucket'],
    [{ TAILOR_STORAGE_URL: 's3://UPPER' }, 'TAILOR_STORAGE_URL must be s3://bucket'],
    [{ TAILOR_STORAGE_URL: 's3://ok-bucket/../up' }, "the prefix '../up' must be segments"],
    [{ TAILOR_STORAGE_URL: 's3://ok-bucket/a//b' }, "the prefix 'a//b' must be segments"],
    [
      { TAILOR_STORAGE_URL: 's3://ok-bucket', AWS_ENDPOINT_URL: 'minio:9000' },
      "AWS_ENDPOINT_URL must be an http:// or https:// URL; got 'minio:9000'",
    ],
    [
      { TAILOR_STORAGE_URL: 's3://ok-bucket', AWS_ACCESS_KEY_ID: 'key' },
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together',
    ],
    [
      { TAILOR_STORAGE_URL: 's3://ok-bucket', TAILOR_S3_PATH_STYLE: 'yes' },
      "TAILOR_S3_PATH_STYLE must be 1 or 0; got 'yes'",
    ],
  ])('refuses the storage settings %j', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });

  it('reads CORS origins and the compression switch', () => {
    const { http } = readConfig({
      TAILOR_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      TAILOR_COMPRESSION: '0',
    });
    expect(http).toEqual({
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      compression: false,
    });
    expect(readConfig({ TAILOR_CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
    for (const origin of ['https://app.example.com/', 'app.example.com', 'ftp://x.org']) {
      expect(() => readConfig({ TAILOR_CORS_ORIGINS: origin })).toThrow(
        `TAILOR_CORS_ORIGINS: '${origin}' is not an origin`,
      );
    }
    expect(() => readConfig({ TAILOR_COMPRESSION: 'yes' })).toThrow(
      "TAILOR_COMPRESSION must be 1 or 0; got 'yes'",
    );
  });

  it('reads the model budget', () => {
    const { specLimits } = readConfig({
      TAILOR_MAX_MODEL_PARAMS: '5000000',
      TAILOR_MAX_ACTIVATION_MB: '512',
      TAILOR_MAX_MODEL_MFLOPS: '250',
    });
    expect(specLimits).toEqual({
      maxParameters: 5_000_000,
      maxActivationBytes: 512 * 2 ** 20,
      maxFlopsPerImage: 250_000_000,
    });
    expect(() => readConfig({ TAILOR_MAX_MODEL_PARAMS: '0' })).toThrow(
      /TAILOR_MAX_MODEL_PARAMS must be an integer from 1/,
    );
    expect(() => readConfig({ TAILOR_MAX_ACTIVATION_MB: '1e3' })).toThrow(ConfigError);
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
      TAILOR_JOB_LOCK_SECONDS: '5',
      TAILOR_SHUTDOWN_GRACE_SECONDS: '120',
      TAILOR_BATCH_GATE: '1',
      TAILOR_INFERENCE_WORKERS: '2',
      TAILOR_PREDICT_MAX_BATCH: '32',
      TAILOR_PREDICT_MAX_DELAY_MS: '5',
      TAILOR_DECODE_WORKERS: '1',
      TAILOR_DECODE_TIMEOUT_MS: '2000',
      TAILOR_DECODE_QUEUE_PIXELS: '1000000',
    });
    expect(config).toMatchObject({ backend: 'cpu', port: 8080, redisUrl: 'redis://redis:6379/0' });
    expect(config).toMatchObject({
      logLevel: 'debug',
      workerConcurrency: 2,
      queuePrefix: 'staging',
      jobLockSeconds: 5,
      shutdownGraceSeconds: 120,
      batchGate: true,
      inferenceWorkers: 2,
      predictMaxBatch: 32,
      predictMaxDelayMs: 5,
      imageDecoding: { workers: 1, timeoutMs: 2000, maxQueuedPixels: 1_000_000 },
    });
  });

  it.each([
    [
      { TAILOR_BACKEND: 'gpu' },
      "TAILOR_BACKEND must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu; got 'gpu'",
    ],
    [{ TAILOR_BATCH_GATE: 'yes' }, "TAILOR_BATCH_GATE must be 1 or 0; got 'yes'"],
    [{ PORT: 'http' }, "PORT must be an integer from 0 to 65535; got 'http'"],
    [{ PORT: '70000' }, "PORT must be an integer from 0 to 65535; got '70000'"],
    [{ PORT: '-1' }, "PORT must be an integer from 0 to 65535; got '-1'"],
    [
      { TAILOR_WORKER_CONCURRENCY: '0' },
      "TAILOR_WORKER_CONCURRENCY must be an integer from 1 to 64; got '0'",
    ],
    [
      { TAILOR_PREDICT_MAX_BATCH: '0' },
      "TAILOR_PREDICT_MAX_BATCH must be an integer from 1 to 1024; got '0'",
    ],
    [
      { TAILOR_JOB_LOCK_SECONDS: '1' },
      "TAILOR_JOB_LOCK_SECONDS must be an integer from 2 to 3600; got '1'",
    ],
    [
      { TAILOR_SHUTDOWN_GRACE_SECONDS: 'soon' },
      "TAILOR_SHUTDOWN_GRACE_SECONDS must be an integer from 1 to 3600; got 'soon'",
    ],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must start with redis:// or rediss://'],
    [{ REDIS_URL: '::' }, "REDIS_URL is not a URL: '::'"],
    [{ TAILOR_QUEUE_PREFIX: 'a b' }, 'TAILOR_QUEUE_PREFIX must match'],
    [{ TAILOR_DATA_DIR: ' ' }, 'TAILOR_DATA_DIR is set but empty'],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' },
      "OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL of an OTLP/HTTP receiver, e.g. http://localhost:4318; got 'collector:4317'",
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL',
    ],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });
});

describe('readConfig: API keys and rate limits', () => {
  const hash = (char: string) => char.repeat(64);

  it('reads entries separated by commas, spaces or newlines, hashes in either case', () => {
    const { auth } = readConfig({
      TAILOR_API_KEYS: `billing:predict:${hash('a')},\n  ci:train+predict:${hash('B')}\nops:admin:${hash('c')} `,
      TAILOR_RATE_LIMIT_PREDICT: '100',
      TAILOR_RATE_LIMIT_JOBS: '0',
    });
    expect(auth).toEqual({
      apiKeys: [
        { name: 'billing', scopes: ['predict'], sha256: hash('a') },
        { name: 'ci', scopes: ['train', 'predict'], sha256: hash('b') },
        { name: 'ops', scopes: ['admin'], sha256: hash('c') },
      ],
      rateLimits: { predictPerMinute: 100, jobsPerMinute: 0 },
    });
  });

  it('treats an empty TAILOR_API_KEYS as no keys (authentication off)', () => {
    expect(readConfig({ TAILOR_API_KEYS: ' \n' }).auth.apiKeys).toEqual([]);
  });

  it.each([
    [`billing:predict`, "entry 1 has 2 ':'-separated fields"],
    [`a:predict:${hash('a')},b c:train:${hash('b')}`, 'entry 2 has 1'],
    [`bill ing:predict:${hash('a')}`, 'entry 1 has 1'],
    [`bill/ing:predict:${hash('a')}`, 'entry 1: the name must be 1-64 characters'],
    [`${'n'.repeat(65)}:predict:${hash('a')}`, 'entry 1: the name must be 1-64 characters'],
    [`billing:predcit:${hash('a')}`, "entry 1 ('billing'): 'predcit' is not a scope"],
    [`billing:predict+:${hash('a')}`, "entry 1 ('billing'): needs at least one scope"],
    [`billing::${hash('a')}`, "entry 1 ('billing'): needs at least one scope"],
    [`billing:predict:${'a'.repeat(63)}`, "entry 1 ('billing'): the hash must be 64 hex digits"],
    [`billing:predict:${'g'.repeat(64)}`, "entry 1 ('billing'): the hash must be 64 hex digits"],
    [`a:predict:${hash('a')},a:train:${hash('b')}`, "the name 'a' is used twice"],
    [`a:predict:${hash('a')},b:train:${hash('A')}`, "'a' and 'b' have the same hash"],
  ])('rejects TAILOR_API_KEYS=%j', (TAILOR_API_KEYS, message) => {
    expect(() => readConfig({ TAILOR_API_KEYS })).toThrow(ConfigError);
    expect(() => readConfig({ TAILOR_API_KEYS })).toThrow(`TAILOR_API_KEYS: ${message}`);
  });

  it('never repeats a hash field, which could be a pasted key, in its errors', () => {
    const pasted = 'tlr_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
    expect(() => readConfig({ TAILOR_API_KEYS: `billing:predict:${pasted}` })).toThrow(
      "TAILOR_API_KEYS: entry 1 ('billing'): the hash must be 64 hex digits",
    );
    expect(() => readConfig({ TAILOR_API_KEYS: `billing:predict:${pasted}` })).not.toThrow(pasted);
    expect(() => readConfig({ TAILOR_API_KEYS: `billing:${pasted}` })).not.toThrow(pasted);
  });

  it.each([
    [
      { TAILOR_RATE_LIMIT_PREDICT: '-1' },
      "TAILOR_RATE_LIMIT_PREDICT must be an integer from 0 to 1000000; got '-1'",
    ],
    [{ TAILOR_RATE_LIMIT_PREDICT: 'lots' }, 'TAILOR_RATE_LIMIT_PREDICT must be an integer'],
    [
      { TAILOR_RATE_LIMIT_JOBS: '1.5' },
      "TAILOR_RATE_LIMIT_JOBS must be an integer from 0 to 1000000; got '1.5'",
    ],
  ])('rejects %j', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });
});

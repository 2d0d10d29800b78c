import { type AuthConfig, MAX_PER_MINUTE, parseApiKeys } from './auth-keys.js';
import {
  DEFAULT_DECODE_TIMEOUT_MS,
  DEFAULT_DECODE_WORKERS,
  DEFAULT_MAX_QUEUED_PIXELS,
} from './inference/decode-settings.js';
import {
  BACKENDS,
  type BackendChoice,
  TRAINING_STEPS,
  type TrainingStepChoice,
} from './ml/backend-names.js';
import { DEFAULT_SPEC_LIMITS, type SpecLimits } from './ml/spec-budget.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every setting tailor takes from the environment; this is the only reader of process.env. */
export interface Config {
  /** tfjs backend: 'auto' picks the fastest that loads. */
  backend: BackendChoice;
  /** On a native backend: the whole step as one TensorFlow graph, or tfjs' eager ops. */
  trainingStep: TrainingStepChoice;
  /** Threads of the compiled training step's TensorFlow session; 0: every core. */
  trainingThreads: number;
  /** Threads of each compiled forward pass that serves predict (native backends); 0: every core. */
  inferenceThreads: number;
  /** Predict's worker threads in each API process, each with its own copy of the models. */
  inferenceWorkers: number;
  /** Most images merged into one forward pass. */
  predictMaxBatch: number;
  /** How long a request waits for others to share its forward pass while a worker is idle. */
  predictMaxDelayMs: number;
  /** Predict's image decoding: worker threads, time budget per image, pixels waiting. */
  imageDecoding: { workers: number; timeoutMs: number; maxQueuedPixels: number };
  /** Where Fashion-MNIST is looked for first and downloaded to; uploaded data sets too. */
  dataDir: string;
  /** Parent of each command-line training run's checkpoints. */
  checkpointDir: string;
  /** Where registered models and training jobs' checkpoints are stored on local disk. */
  artifactDir: string;
  /**
   * Where models, checkpoints and uploaded data sets live: on local disk (under
   * artifactDir and dataDir), or in an S3 bucket that hosts share (store/stores.ts).
   */
  storage: StorageConfig;
  host: string;
  port: number;
  /** Unset: use 127.0.0.1:6379, or start a local redis-server. */
  redisUrl: string | undefined;
  logLevel: LogLevel;
  /** Training jobs one worker process runs at once. */
  workerConcurrency: number;
  /** Prefix of every Redis key (queues and registry), so services can share a Redis. */
  queuePrefix: string;
  /** A dead worker's job is taken over this long after its last lock renewal. */
  jobLockSeconds: number;
  /** On SIGTERM, how long a worker waits for its jobs to checkpoint and go back to the queue. */
  shutdownGraceSeconds: number;
  /** How long a rate-limit count may wait for Redis before the limit fails open or closed. */
  rateLimitRedisTimeoutMs: number;
  /**
   * Tests only: training jobs wait before each batch until a test lets them pass
   * (jobs/batch-gate.ts). Never set it in a deployment: its jobs would wait forever.
   */
  batchGate: boolean;
  /** API keys (their SHA-256 only) and per-key rate limits; no keys: authentication is off. */
  auth: AuthConfig;
  /** Uploaded data sets: what each file may hold, and how many are kept (docs/security.md). */
  datasets: {
    limits: { maxFileBytes: number; maxImages: number; maxImagePixels: number };
    /** 0 turns a quota off. */
    quotas: { perKey: number; total: number };
  };
  /** The most a submitted model may cost (ml/spec-budget.ts); larger ones answer 400. */
  specLimits: SpecLimits;
  /** Browser access and response compression (docs/deployment.md). */
  http: HttpConfig;
  /** OpenTelemetry tracing, on when an OTLP endpoint is set (docs/deployment.md, Tracing). */
  tracing: TracingConfig | undefined;
}

export interface TracingConfig {
  /** Where spans are sent: an OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`. */
  tracesUrl: string;
  /** `OTEL_SERVICE_NAME`; unset: `tailor-api`, `tailor-worker` or `tailor` by process. */
  serviceName: string | undefined;
}

export type StorageConfig = { kind: 'file' } | S3StorageConfig;

/** `TAILOR_STORAGE_URL=s3://bucket/prefix` and the usual AWS_* variables. */
export interface S3StorageConfig {
  kind: 's3';
  bucket: string;
  /** Start of every key, without slashes at either end; may be empty. */
  prefix: string;
  /** AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: MinIO, Ceph, R2, ...; unset: AWS itself. */
  endpoint?: string;
  region: string;
  /** `http://host/bucket/key` rather than `http://bucket.host/key` (MinIO, Ceph). */
  forcePathStyle: boolean;
  /** Unset: the AWS SDK's default chain (profile, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface HttpConfig {
  /** Origins whose pages may call the API (CORS); `*` for any; empty: CORS off. */
  corsOrigins: string[];
  /** gzip or brotli for JSON, HTML and metrics answers of 1 KiB or more, when asked. */
  compression: boolean;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

type Env = Record<string, string | undefined>;

export function readConfig(env: Env = process.env): Config {
  return {
    backend: oneOf(env, 'TAILOR_BACKEND', ['auto', ...BACKENDS], 'auto'),
    trainingStep: oneOf(env, 'TAILOR_TRAINING_STEP', TRAINING_STEPS, 'auto'),
    trainingThreads: integer(env, 'TAILOR_TRAINING_THREADS', 0, 0, 1024),
    inferenceThreads: integer(env, 'TAILOR_INFERENCE_THREADS', 1, 0, 1024),
    inferenceWorkers: integer(env, 'TAILOR_INFERENCE_WORKERS', 1, 1, 64),
    predictMaxBatch: integer(env, 'TAILOR_PREDICT_MAX_BATCH', 64, 1, 1024),
    predictMaxDelayMs: integer(env, 'TAILOR_PREDICT_MAX_DELAY_MS', 0, 0, 1000),
    imageDecoding: {
      workers: integer(env, 'TAILOR_DECODE_WORKERS', DEFAULT_DECODE_WORKERS, 1, 64),
      timeoutMs: integer(env, 'TAILOR_DECODE_TIMEOUT_MS', DEFAULT_DECODE_TIMEOUT_MS, 10, 600_000),
      maxQueuedPixels: integer(
        env,
        'TAILOR_DECODE_QUEUE_PIXELS',
        DEFAULT_MAX_QUEUED_PIXELS,
        1,
        2 ** 40,
      ),
    },
    dataDir: text(env, 'TAILOR_DATA_DIR', 'data'),
    checkpointDir: text(env, 'TAILOR_CHECKPOINT_DIR', 'checkpoints'),
    artifactDir: text(env, 'TAILOR_ARTIFACT_DIR', 'artifacts'),
    storage: storage(env),
    host: text(env, 'HOST', '127.0.0.1'),
    port: integer(env, 'PORT', 3000, 0, 65535),
    redisUrl: redisUrl(env),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    workerConcurrency: integer(env, 'TAILOR_WORKER_CONCURRENCY', 1, 1, 64),
    queuePrefix: pattern(env, 'TAILOR_QUEUE_PREFIX', 'tailor', /^[A-Za-z0-9_-]{1,32}$/),
    jobLockSeconds: integer(env, 'TAILOR_JOB_LOCK_SECONDS', 30, 2, 3600),
    shutdownGraceSeconds: integer(env, 'TAILOR_SHUTDOWN_GRACE_SECONDS', 30, 1, 3600),
    rateLimitRedisTimeoutMs: integer(env, 'TAILOR_RATE_LIMIT_REDIS_TIMEOUT_MS', 2000, 10, 60_000),
    batchGate: flag(env, 'TAILOR_BATCH_GATE'),
    auth: {
      apiKeys: apiKeys(env),
      rateLimits: {
        // No prediction limit unless asked for: it shares capacity fairly only between callers
        // the operator knows, and a per-address one throttles a whole service behind one proxy
        // (docs/security.md, Rate limits). Keys may set their own in their entries.
        predictPerMinute: integer(env, 'TAILOR_RATE_LIMIT_PREDICT', 0, 0, MAX_PER_MINUTE),
        jobsPerMinute: integer(env, 'TAILOR_RATE_LIMIT_JOBS', 30, 0, MAX_PER_MINUTE),
      },
    },
    datasets: {
      limits: {
        maxFileBytes: integer(env, 'TAILOR_DATASET_MAX_FILE_MB', 256, 1, 2047) * 1024 * 1024,
        maxImages: integer(env, 'TAILOR_DATASET_MAX_IMAGES', 200_000, 1, 10_000_000),
        maxImagePixels: integer(env, 'TAILOR_DATASET_MAX_IMAGE_PIXELS', 65_536, 1, 16_777_216),
      },
      quotas: {
        perKey: integer(env, 'TAILOR_DATASETS_PER_KEY', 20, 0, 1_000_000),
        total: integer(env, 'TAILOR_DATASETS_TOTAL', 200, 0, 1_000_000),
      },
    },
    specLimits: specLimits(env),
    http: {
      corsOrigins: corsOrigins(env),
      compression: env.TAILOR_COMPRESSION === undefined || flag(env, 'TAILOR_COMPRESSION'),
    },
    tracing: tracing(env),
  };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `TAILOR_STORAGE_URL`: unset or empty for local disk, or `s3://bucket[/prefix]`. */
function storage(env: Env): StorageConfig {
  const raw = env.TAILOR_STORAGE_URL ?? '';
  // Read whatever the store is, so a bad S3 setting fails the same way on every host.
  const s3 = s3Settings(env);
  if (raw === '') return { kind: 'file' };
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(raw);
  const prefix = (match?.[2] ?? '').replace(/\/+$/, '');
  if (!match || !BUCKET.test(match[1] as string)) {
    throw new ConfigError(
      `TAILOR_STORAGE_URL must be s3://bucket or s3://bucket/prefix (a bucket name of 3-63 lowercase letters, digits, '.' or '-'); got '${raw}'`,
    );
  }
  if (prefix !== '' && !prefix.split('/').every((s) => KEY_SEGMENT.test(s))) {
    throw new ConfigError(
      `TAILOR_STORAGE_URL: the prefix '${prefix}' must be segments of letters, digits, '.', '_' or '-' separated by '/', none starting with '.'`,
    );
  }
  return { kind: 's3', bucket: match[1] as string, prefix, ...s3 };
}

function s3Settings(env: Env): Omit<S3StorageConfig, 'kind' | 'bucket' | 'prefix'> {
  const endpoint = s3Endpoint(env);
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? '';
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? '';
  if ((accessKeyId === '') !== (secretAccessKey === '')) {
    throw new ConfigError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const pathStyle = env.TAILOR_S3_PATH_STYLE;
  return {
    ...(endpoint !== undefined && { endpoint }),
    region,
    forcePathStyle:
      pathStyle === undefined ? endpoint !== undefined : flag(env, 'TAILOR_S3_PATH_STYLE'),
    ...(accessKeyId !== '' && {
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) },
    }),
  };
}

function s3Endpoint(env: Env): string | undefined {
  const values = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'].map((name) => [name, env[name]]);
  for (const [name, raw] of values) {
    if (raw === undefined || raw === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(`${name} must be an http:// or https:// URL; got '${raw}'`);
    }
    return raw;
  }
  return undefined;
}

/**
 * OpenTelemetry's own variables (https://opentelemetry.io/docs/specs/otel/protocol/exporter/):
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the traces URL as it is, `OTEL_EXPORTER_OTLP_ENDPOINT`
 * a base URL that `v1/traces` is appended to. Neither set, or `OTEL_SDK_DISABLED=true`: off.
 */
function tracing(env: Env): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const traces = otlpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = otlpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesUrl = traces ?? (base && `${base.replace(/\/$/, '')}/v1/traces`);
  if (tracesUrl === undefined) return undefined;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || undefined;
  return { tracesUrl, serviceName };
}

function otlpUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {}
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new ConfigError(
      `${name} must be an http:// or https:// URL of an OTLP/HTTP receiver, e.g. http://localhost:4318; got '${raw}'`,
    );
  }
  return raw;
}

/**
 * `TAILOR_CORS_ORIGINS`: origins separated by commas or spaces, each `scheme://host[:port]`
 * as a browser sends it in `Origin`, or `*`; unset or empty: CORS stays off.
 */
function corsOrigins(env: Env): string[] {
  const origins = (env.TAILOR_CORS_ORIGINS ?? '').split(/[\s,]+/).filter((o) => o !== '');
  for (const origin of origins) {
    if (origin !== '*' && !isOrigin(origin)) {
      throw new ConfigError(
        `TAILOR_CORS_ORIGINS: '${origin}' is not an origin; write scheme://host[:port] with no path or trailing slash, e.g. https://app.example.com, or *`,
      );
    }
  }
  return origins;
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

const MB = 2 ** 20;

function specLimits(env: Env): SpecLimits {
  const d = DEFAULT_SPEC_LIMITS;
  return {
    maxParameters: integer(env, 'TAILOR_MAX_MODEL_PARAMS', d.maxParameters, 1, 1e12),
    maxActivationBytes:
      integer(env, 'TAILOR_MAX_ACTIVATION_MB', d.maxActivationBytes / MB, 1, 1e7) * MB,
    maxFlopsPerImage:
      integer(env, 'TAILOR_MAX_MODEL_MFLOPS', d.maxFlopsPerImage / 1e6, 1, 1e9) * 1e6,
  };
}

/**
 * Whether TensorFlow runs its oneDNN kernels: on by default on x86-64 since TensorFlow
 * 2.9, off with its own variable TF_ENABLE_ONEDNN_OPTS=0 (TensorFlow reads it itself; this
 * only reports it).
 */
export function oneDnnEnabled(env: Env = process.env): boolean {
  const raw = env.TF_ENABLE_ONEDNN_OPTS?.trim().toLowerCase();
  return raw !== '0' && raw !== 'false';
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined) return fallback;
  if (value.trim() === '')
    throw new ConfigError(`${name} is set but empty; unset it or give a value`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const value = env[name] ?? fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${choices.join(', ')}; got '${value}'`);
  }
  return value as T;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new ConfigError(`${name} must be 1 or 0; got '${raw}'`);
}

function pattern(env: Env, name: string, fallback: string, rule: RegExp): string {
  const value = env[name] ?? fallback;
  if (!rule.test(value)) throw new ConfigError(`${name} must match ${rule}; got '${value}'`);
  return value;
}

function redisUrl(env: Env): string | undefined {
  const raw = env.REDIS_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`REDIS_URL is not a URL: '${raw}' (expected redis://host:port)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://; got '${url.protocol}'`);
  }
  return raw;
}

/**
 * `TAILOR_API_KEYS`: `<name>:<scope>[+<scope>...]:<sha256>[:predict=N+jobs=N]` entries;
 * empty or unset: none.
 */
function apiKeys(env: Env): AuthConfig['apiKeys'] {
  try {
    return parseApiKeys(env.TAILOR_API_KEYS ?? '');
  } catch (err) {
    throw new ConfigError(`TAILOR_API_KEYS: ${(err as Error).message}`);
  }
}

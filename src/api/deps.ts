import type { AuthConfig } from '../auth-keys.js';
import type { ImageDecoderOptions } from '../inference/decode-settings.js';
import type { Predictor } from '../inference/predictor.js';
import type { TrainingJobs } from '../jobs/training-jobs.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { DatasetStore } from '../store/dataset-store.js';
import type { ModelRegistry } from '../store/model-registry.js';
import type { TuningJobs } from '../tuning/tuning-jobs.js';
import type { MetricsSources } from './plugins/metrics.js';
import type { DatasetRoutesOptions } from './routes/datasets.js';

/** Outcome of one readiness check; `detail` says why a check is not ok. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

/** Readiness of each dependency, keyed by a stable check name (e.g. `redis`). */
export type ReadinessReport = Record<string, CheckResult>;

/**
 * Services the API reaches through `fastify.deps`; built by the process entry point
 * and injected so tests can pass real implementations. A route whose service is absent
 * answers 503 (the routes exist either way, so the OpenAPI document is complete).
 */
export interface AppDeps {
  /** Checks that must pass before the instance takes traffic (`GET /readyz`). */
  readiness: () => Promise<ReadinessReport>;
  /** Service version, shown in the OpenAPI document. */
  version: string;
  trainingJobs?: TrainingJobs;
  tuningJobs?: TuningJobs;
  models?: { registry: ModelRegistry; store: ArtifactStore };
  predictor?: Predictor;
  /** Worker threads, time budget and queue of predict's image decoding; defaults otherwise. */
  imageDecoding?: ImageDecoderOptions;
  /** Uploaded data sets. */
  datasets?: DatasetStore;
  /** Where the built-in Fashion-MNIST is looked for; default `data`. */
  dataDir?: string;
  /** Upload limits and the system directories searched for Fashion-MNIST (tests narrow them). */
  datasetRoutes?: Pick<DatasetRoutesOptions, 'limits' | 'systemDirs'>;
  /** API keys and per-key rate limits (docs/security.md); absent: no keys and no limits. */
  auth?: AuthSettings;
  /** The process' metrics and the queues `/metrics` reads; absent: the HTTP metrics alone. */
  metrics?: MetricsSources;
  /** CORS origins (absent or empty: CORS off) and response compression (default on). */
  http?: { corsOrigins?: readonly string[]; compression?: boolean };
}

export interface AuthSettings extends AuthConfig {
  /** The address the API listens on: with no keys, a non-loopback one logs a warning. */
  host?: string;
}

/** Outcome of one readiness check; `detail` says why a check is not ok. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

/** Readiness of each dependency, keyed by a stable check name (e.g. `redis`). */
export type ReadinessReport = Record<string, CheckResult>;

/**
 * Services the API reaches through `fastify.deps`; built by the process entry point
 * and injected so tests can pass real or in-memory implementations.
 * Later services (queue, registry, predictor) are added here.
 */
export interface AppDeps {
  /** Checks that must pass before the instance takes traffic (`GET /readyz`). */
  readiness: () => Promise<ReadinessReport>;
  /** Service version, shown in the OpenAPI document. */
  version: string;
}

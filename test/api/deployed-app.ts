import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { App, AppDeps } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { type ApiServices, createApiServices } from '../../src/service/api-services.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerModel } from '../support/registered-model.js';
import { buildTestApp } from './helper.js';

/** A small CNN of the seed's shape: a real model, registered as a training job would. */
export const SMALL_SPEC = parseSpec({
  conv: [{ channels: 4, pool: 2 }],
  dense: [{ neurons: 16 }, {}],
});

export interface DeployedApp {
  app: App;
  deps: AppDeps;
  /** Where the artifact store keeps its model directories. */
  modelDir: string;
  /** Registers another real model under `id`. */
  register(id: string, seed: number): Promise<void>;
}

/**
 * The API wired as `tailor start` wires it (createApiServices over a real Redis), serving one
 * registered model, `model-a`. Every Redis key lives under a random prefix and every file in a
 * temporary directory; both are removed after the file's tests, and the job queue obliterated.
 * Rate limits are off so that a test may send many requests; `overrides` replaces deps.
 */
export function useDeployedApp(name: string, overrides: Partial<AppDeps> = {}): DeployedApp {
  const { redis, prefix } = useRedisPrefix(name);
  const tempDir = useTempDirs();
  const deployed = {} as DeployedApp;
  let services: ApiServices | undefined;

  beforeAll(async () => {
    const dir = await tempDir();
    services = createApiServices(
      readConfig({
        TAILOR_DATA_DIR: dir,
        TAILOR_ARTIFACT_DIR: dir,
        TAILOR_QUEUE_PREFIX: prefix,
        TAILOR_BACKEND: 'wasm',
        TAILOR_RATE_LIMIT_PREDICT: '0',
        TAILOR_RATE_LIMIT_JOBS: '0',
      }),
      'redis://127.0.0.1:6379',
      '0.0.0-test',
    );
    const models = services.deps.models;
    if (!models) throw new Error('createApiServices wired no model registry');
    // The models are built in this thread before they are stored.
    await selectBackend('wasm');
    deployed.register = async (id, seed) => {
      const model = await registerModel(models, SMALL_SPEC, id, seed);
      model.dispose();
    };
    await deployed.register('model-a', 1);
    deployed.deps = { ...services.deps, ...overrides };
    deployed.modelDir = join(dir, 'models');
    deployed.app = buildTestApp(deployed.deps);
    await deployed.app.ready();
  });

  afterAll(async () => {
    await deployed.app?.close();
    await services?.close();
    const queue = createTrainingQueue({ connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  });

  return deployed;
}

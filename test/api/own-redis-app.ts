import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { App, AppOptions } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { selectBackend } from '../../src/ml/backend.js';
import { type ApiServices, createApiServices } from '../../src/service/api-services.js';
import { startRedisServer } from '../support/redis-server.js';
import { registerModel } from '../support/registered-model.js';
import { SMALL_SPEC } from './deployed-app.js';
import { buildTestApp } from './helper.js';

export interface OwnRedisApp {
  app: App;
  redis: Awaited<ReturnType<typeof startRedisServer>>;
}

/**
 * The API wired as `tailor start` wires it, over a redis-server of the calling file's own
 * that its tests may stop, kill or freeze, serving one registered model, `model-a`. `env`
 * adds settings (the rate limits) to the test's own.
 */
export function useOwnRedisApp(env: Record<string, string>, opts: AppOptions = {}): OwnRedisApp {
  const own = {} as OwnRedisApp;
  let services: ApiServices | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    own.redis = await startRedisServer();
    dir = await mkdtemp(join(tmpdir(), 'tailor-own-redis-'));
    services = createApiServices(
      readConfig({
        TAILOR_DATA_DIR: dir,
        TAILOR_ARTIFACT_DIR: dir,
        TAILOR_BACKEND: 'wasm',
        ...env,
      }),
      own.redis.url,
      '0.0.0-test',
    );
    const models = services.deps.models;
    if (!models) throw new Error('createApiServices wired no model registry');
    await selectBackend('wasm');
    (await registerModel(models, SMALL_SPEC, 'model-a', 1)).dispose();
    own.app = buildTestApp(services.deps, opts);
    await own.app.ready();
  });

  afterAll(async () => {
    await own.app?.close();
    await services?.close();
    await own.redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  return own;
}

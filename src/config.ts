import { BACKENDS, type BackendChoice } from './ml/backend.js';

/** Settings taken from the environment; the only module that reads process.env. */
export interface EnvConfig {
  backend: BackendChoice;
  dataDir: string;
  checkpointDir: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export function readEnvConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const backend = env.TAILOR_BACKEND ?? 'auto';
  if (backend !== 'auto' && !(BACKENDS as readonly string[]).includes(backend)) {
    throw new ConfigError(
      `TAILOR_BACKEND must be one of auto, ${BACKENDS.join(', ')}; got '${backend}'`,
    );
  }
  return {
    backend: backend as BackendChoice,
    dataDir: env.TAILOR_DATA_DIR ?? 'data',
    checkpointDir: env.TAILOR_CHECKPOINT_DIR ?? 'checkpoints',
  };
}

import type { Config } from '../config.js';
import type { BackendName } from '../ml/backend.js';
import { loadGraphAddon } from '../ml/compiled/graph-addon.js';

export interface EngineCheck {
  ok: boolean;
  line: string;
  note?: boolean;
}

const NATIVE: readonly BackendName[] = ['tensorflow', 'tensorflow-gpu'];

const threads = (n: number) => (n === 0 ? 'every core' : `${n} thread${n === 1 ? '' : 's'}`);

/**
 * How training steps and predictions run on the backend a worker would pick: the compiled
 * TensorFlow graph where the addon of scripts/native-graph.sh loads, else tfjs' eager ops,
 * and with how many TensorFlow threads.
 */
export function engineChecks(config: Config, chosen: BackendName | undefined): EngineCheck[] {
  const native = chosen !== undefined && NATIVE.includes(chosen);
  const addon = native ? loadGraphAddon() : undefined;
  const compiled = addon !== undefined && !(addon instanceof Error);
  const why =
    addon instanceof Error
      ? addon.message
      : `the compiled step runs on the native backends only, not on ${chosen ?? 'none'}`;
  const asked = `TAILOR_TRAINING_STEP=${config.trainingStep}`;
  const training: EngineCheck = compiled
    ? config.trainingStep === 'eager'
      ? {
          ok: true,
          note: true,
          line: `training step: eager (${asked}; the compiled step is built)`,
        }
      : {
          ok: true,
          line: `training step: compiled, one TensorFlow graph per batch (${asked}), ${threads(config.trainingThreads)} (TAILOR_TRAINING_THREADS=${config.trainingThreads})`,
        }
    : {
        // Asked for by name, a worker would fail its jobs; with auto it trains eagerly.
        ok: config.trainingStep !== 'compiled',
        note: config.trainingStep !== 'compiled',
        line: `training step: ${config.trainingStep === 'compiled' ? 'compiled asked for, unavailable' : 'eager'} (${asked}): ${why}`,
      };
  const forward = compiled
    ? `compiled forward pass, ${threads(config.inferenceThreads)} each (TAILOR_INFERENCE_THREADS=${config.inferenceThreads})`
    : `tfjs on ${chosen ?? 'no backend'}`;
  const predict: EngineCheck = {
    ok: true,
    line: `predict: ${config.inferenceWorkers} inference worker${config.inferenceWorkers === 1 ? '' : 's'} per API process, ${forward}; batches of up to ${config.predictMaxBatch}, ${config.predictMaxDelayMs} ms wait while idle`,
  };
  return [training, predict];
}

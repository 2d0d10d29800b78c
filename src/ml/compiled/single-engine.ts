import type { BackendReport, TrainingStepChoice } from '../backend.js';
import type { EngineData, TrainingEngine } from '../engine.js';
import { LocalEngine } from '../local-engine.js';
import type { ReplicaOptions } from '../replica.js';
import { CompiledEngine } from './compiled-engine.js';
import { loadGraphAddon } from './graph-addon.js';
import { sessionConfig } from './session-config.js';

/**
 * The engine of a one-replica training process: the compiled step where the backend is
 * native TensorFlow and the addon builds the spec's graph, else tfjs' eager step. With
 * `auto`, why the compiled step could not be used goes to `skipped`; asked for by name, it
 * fails instead.
 */
export function singleReplicaEngine(
  data: EngineData,
  options: ReplicaOptions,
  report: BackendReport,
  step: TrainingStepChoice,
  skipped: string[],
  threads = 0,
): TrainingEngine {
  if (step === 'eager') return new LocalEngine(data, options, report.name);
  try {
    if (report.tfjsName !== 'tensorflow') {
      throw new Error(`it runs on the native backends only, not on ${report.name}`);
    }
    const addon = loadGraphAddon();
    if (addon instanceof Error) throw addon;
    return new CompiledEngine(addon, data, options, report.name, sessionConfig(threads));
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0] as string;
    if (step === 'compiled') throw new Error(`compiled training step unavailable: ${reason}`);
    if (report.tfjsName === 'tensorflow') skipped.push(`compiled step: ${reason}`);
    return new LocalEngine(data, options, report.name);
  }
}

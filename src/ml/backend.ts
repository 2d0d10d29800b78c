import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's own entry registers no gradients; tfjs-layers' Node bundle registers them
// all, and every backend trains with them.
import '@tensorflow/tfjs-layers';
import { oneDnnEnabled } from '../config.js';
import { BACKENDS, type BackendChoice, type BackendName } from './backend-names.js';

export {
  BACKENDS,
  type BackendChoice,
  type BackendName,
  TRAINING_STEPS,
  type TrainingStepChoice,
} from './backend-names.js';

// Production mode: no per-op debug checks, and no console banner urging tfjs-node, which
// the backend report below states plainly instead.
tf.enableProdMode();

export interface BackendReport {
  /** Which of our backends runs. */
  name: BackendName;
  /** tfjs' own name for it ('tensorflow' for both native packages). */
  tfjsName: string;
  /** What runs underneath, for the native backends: `TensorFlow 2.21.0, oneDNN on`. */
  detail?: string;
  /** Faster backends that were tried and why each could not be used. */
  skipped: { name: BackendName; reason: string }[];
}

export class BackendError extends Error {
  readonly code = 'BACKEND_UNAVAILABLE';

  constructor(
    /** Every backend that was tried, with why it could not be used. */
    readonly skipped: BackendReport['skipped'],
  ) {
    const tried = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    super(`no usable tfjs backend (${tried})`);
  }
}

type Loader = () => Promise<string>;

const require = createRequire(import.meta.url);

/**
 * The native packages are optional dependencies: their own install downloads libtensorflow,
 * which fails offline and leaves them absent; scripts/native-tensorflow.sh installs
 * tfjs-node on TensorFlow 2.21 instead. A package present without its built binding would
 * register its kernels and then throw, so the binding is looked for before importing.
 */
async function loadNative(pkg: string): Promise<string> {
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error('package not installed');
  }
  const built = readdirSafe(join(dir, 'lib')).some((d) =>
    readdirSafe(join(dir, 'lib', d)).includes('tfjs_binding.node'),
  );
  if (!built)
    throw new Error('installed without its native binding (scripts/native-tensorflow.sh)');
  await import(pkg);
  return 'tensorflow';
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const loaders: Record<BackendName, Loader> = {
  'tensorflow-gpu': () => loadNative('@tensorflow/tfjs-node-gpu'),
  tensorflow: () => loadNative('@tensorflow/tfjs-node'),
  wasm: async () => {
    const { registerWasmTrainingKernels } = await import('./wasm/register.js');
    registerWasmTrainingKernels();
    return 'wasm';
  },
  cpu: async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    return 'cpu';
  },
};

let active: BackendReport | undefined;

/**
 * Selects the fastest backend that loads, or exactly the one asked for. Idempotent: tfjs
 * keeps one global engine, so the first successful choice holds for the process.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendReport> {
  if (active && (choice === 'auto' || choice === active.name)) return active;
  const candidates = choice === 'auto' ? [...BACKENDS] : [choice];
  const skipped: BackendReport['skipped'] = [];
  for (const name of candidates) {
    try {
      const tfjsName = await (loaders[name] as Loader)();
      if (!(await tf.setBackend(tfjsName))) throw new Error('initialisation failed');
      await tf.ready();
      active = { name, tfjsName, detail: describeNative(tfjsName), skipped };
      return active;
    } catch (err) {
      skipped.push({ name, reason: describe(err) });
    }
  }
  throw new BackendError(skipped);
}

/** The TensorFlow library under a native backend, as its C API reports it. */
function describeNative(tfjsName: string): string | undefined {
  if (tfjsName !== 'tensorflow') return undefined;
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return `TensorFlow ${binding?.TF_Version ?? 'unknown'}, oneDNN ${oneDnnEnabled() ? 'on' : 'off'}`;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/Cannot find (package|module)/.test(message)) return 'package not installed';
  return message.split('\n')[0] ?? message;
}

/** A one-line account for logs and the CLI. */
export function formatBackendReport(report: BackendReport): string {
  const skipped = report.skipped.map((s) => `${s.name} (${s.reason})`).join(', ');
  const backend = report.detail
    ? `backend ${report.name} (${report.detail})`
    : `backend ${report.name}`;
  return skipped ? `${backend}; skipped ${skipped}` : backend;
}

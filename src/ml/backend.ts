import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's own entry registers no gradients; tfjs-layers' Node bundle registers them
// all, and every backend trains with them.
import '@tensorflow/tfjs-layers';

// Production mode: no per-op debug checks, and no console banner urging tfjs-node, which
// the backend report below states plainly instead.
tf.enableProdMode();

/** Backends in order of preference: CUDA, native CPU, then wasm (XNNPACK), then plain JS. */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

export interface BackendReport {
  /** Which of our backends runs. */
  name: BackendName;
  /** tfjs' own name for it ('tensorflow' for both native packages). */
  tfjsName: string;
  /** Faster backends that were tried and why each could not be used. */
  skipped: { name: BackendName; reason: string }[];
}

export class BackendError extends Error {
  readonly code = 'BACKEND_UNAVAILABLE';
}

type Loader = () => Promise<string>;

/**
 * The native packages are optional dependencies: their install downloads libtensorflow,
 * which fails offline and leaves them absent. Importing them is the only reliable probe.
 */
const loaders: Record<BackendName, Loader> = {
  'tensorflow-gpu': async () => {
    await import('@tensorflow/tfjs-node-gpu' as string);
    return 'tensorflow';
  },
  tensorflow: async () => {
    await import('@tensorflow/tfjs-node' as string);
    return 'tensorflow';
  },
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
      active = { name, tfjsName, skipped };
      return active;
    } catch (err) {
      skipped.push({ name, reason: describe(err) });
    }
  }
  const tried = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new BackendError(`no usable tfjs backend (${tried})`);
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/Cannot find (package|module)/.test(message)) return 'package not installed';
  return message.split('\n')[0] ?? message;
}

/** A one-line account for logs and the CLI. */
export function formatBackendReport(report: BackendReport): string {
  const skipped = report.skipped.map((s) => `${s.name} (${s.reason})`).join(', ');
  return skipped ? `backend ${report.name}; skipped ${skipped}` : `backend ${report.name}`;
}

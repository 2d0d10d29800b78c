import * as tf from '@tensorflow/tfjs-core';
import { readConfig } from '../config.js';
import { loadFashionMnist } from '../data/index.js';
import {
  BackendError,
  type BackendReport,
  formatBackendReport,
  selectBackend,
} from '../ml/backend.js';
import { Replica } from '../ml/replica.js';
import { DEFAULT_SPEC } from '../ml/spec.js';
import { formatOptions, integerOption, type OptionDoc, parseOptions } from './option-table.js';

const OPTIONS: OptionDoc[] = [
  {
    name: 'batches',
    type: 'string',
    value: 'N',
    help: 'Timed training batches, after one warm-up batch (default 50).',
  },
  {
    name: 'batch-size',
    type: 'string',
    value: 'N',
    help: "Images per batch (default 50, the seed notebook's).",
  },
  {
    name: 'allow-cpu',
    type: 'boolean',
    help: 'Checks this command itself where there is no GPU: trains on the fastest backend that loads instead of failing. Proves nothing about a GPU.',
  },
  { name: 'help', type: 'boolean', help: 'Show this help.' },
];

export const GPU_SMOKE_HELP = `Usage: tailor gpu-smoke [--batches N] [--batch-size N]

Checks that training runs on the GPU of this host. In the gpu image:
  docker run --rm --gpus all tailor:gpu gpu-smoke
and in a checkout: npm run gpu:smoke. It loads the tensorflow-gpu backend (tfjs-node-gpu
on TensorFlow's CUDA library), prints its TensorFlow version and the device TensorFlow
computes on (GPU or CPU), trains the seed model (default spec, Adam) on Fashion-MNIST
images for one warm-up batch, which includes cuDNN's set-up and any JIT compilation, then
for N timed batches, and prints images per second.

Exits 1 with the reason in one line when tensorflow-gpu does not load, when TensorFlow
sees no GPU (a worker would train on the CPU), or when training yields no finite loss.

Options:
${formatOptions(OPTIONS)}`;

/** Why the host failed the check; printed as one line by the CLI. */
class GpuSmokeError extends Error {
  readonly code = 'GPU_SMOKE_FAILED';
}

/** `tailor gpu-smoke`: the operator's check that a GPU worker really trains on the GPU. */
export async function gpuSmokeCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) {
    out.write(`${GPU_SMOKE_HELP}\n`);
    return 0;
  }
  const batches = integerOption(values, 'batches', { fallback: 50 }) as number;
  const batchSize = integerOption(values, 'batch-size', { fallback: 50 }) as number;
  const allowCpu = Boolean(values['allow-cpu']);
  const config = readConfig();

  const report = await loadBackend(allowCpu);
  const device = computeDevice(report);
  out.write(`${formatBackendReport(report)}\ndevice: ${device}\n`);
  if (device !== 'GPU' && !allowCpu) {
    throw new GpuSmokeError(
      `${report.name} loads but TensorFlow sees no GPU and computes on the CPU (check nvidia-smi, the driver, and docker run --gpus all)`,
    );
  }

  const data = await loadFashionMnist({ dataDir: config.dataDir });
  const images = data.train;
  out.write(
    `data: Fashion-MNIST in ${data.location.dir} (${data.location.source}), ${images.count} training images\n`,
  );
  const replica = new Replica({ spec: DEFAULT_SPEC, optimizer: 'adam', seed: 1 });
  try {
    out.write(`model: seed CNN, ${replica.parameterCount} parameters, Adam, batch ${batchSize}\n`);
    let next = 0;
    const trainOne = () => {
      const rows = Int32Array.from({ length: batchSize }, (_, i) => (next + i) % images.count);
      next += batchSize;
      return replica.trainBatch(images, rows);
    };
    let started = performance.now();
    trainOne();
    out.write(`warm-up: 1 batch in ${seconds(started).toFixed(2)} s\n`);
    started = performance.now();
    let loss = Number.NaN;
    for (let i = 0; i < batches; i++) loss = trainOne().loss;
    const took = seconds(started);
    if (!Number.isFinite(loss)) {
      throw new GpuSmokeError(
        `training on ${device} gave a loss of ${loss} after ${batches} batches`,
      );
    }
    out.write(
      `trained ${batches} batches of ${batchSize} in ${took.toFixed(2)} s: ` +
        `${((batches * batchSize) / took).toFixed(1)} img/s (last loss ${loss.toFixed(3)})\n`,
    );
  } finally {
    replica.dispose();
  }
  out.write(
    device === 'GPU'
      ? `ok: ${report.name} trains on the GPU\n`
      : `not a GPU check: trained on ${report.name} on the CPU (--allow-cpu)\n`,
  );
  return 0;
}

/** tensorflow-gpu, or (--allow-cpu) the fastest backend that loads here. */
async function loadBackend(allowCpu: boolean): Promise<BackendReport> {
  if (allowCpu) return selectBackend('auto');
  try {
    return await selectBackend('tensorflow-gpu');
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    const reason = err.skipped[0]?.reason ?? err.message;
    throw new GpuSmokeError(
      `tensorflow-gpu does not load: ${reason} (the gpu image builds it; elsewhere: bash scripts/native-tensorflow.sh gpu)`,
    );
  }
}

/** Where TensorFlow runs its ops: tfjs-node(-gpu) picks a GPU when TensorFlow lists one. */
function computeDevice(report: BackendReport): 'GPU' | 'CPU' {
  if (report.tfjsName !== 'tensorflow') return 'CPU';
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice === true ? 'GPU' : 'CPU';
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

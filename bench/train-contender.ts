// One contender of the training benchmark, run in a process of its own so that each
// starts from a clean tfjs engine (the stock cpu backend gets none of our kernels) and
// its peak memory is its own. Prints one JSON line.
import { parseArgs } from 'node:util';
import { loadFashionMnist, seedSplit } from '../src/data/index.js';
import { type BackendName, selectBackend } from '../src/ml/backend.js';
import { CompiledEngine } from '../src/ml/compiled/compiled-engine.js';
import { loadGraphAddon } from '../src/ml/compiled/graph-addon.js';
import { sessionConfig } from '../src/ml/compiled/session-config.js';
import type { TrainingEngine } from '../src/ml/engine.js';
import { LocalEngine } from '../src/ml/local-engine.js';
import { ParallelEngine } from '../src/ml/parallel/parallel-engine.js';
import { DEFAULT_SPEC } from '../src/ml/spec.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    replicas: { type: 'string', default: '1' },
    batches: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '50' },
    // compiled: the whole step as one TensorFlow graph (native backends only).
    step: { type: 'string', default: 'eager' },
    // The compiled step's TensorFlow threads (0: every core).
    threads: { type: 'string', default: '0' },
    // Train this long after the warm-up instead of a number of batches, and say on stderr
    // when the warm-up is done (the predict benchmark starts its callers then).
    seconds: { type: 'string' },
    // The best preset's augmentation (shifts of 2 px, flips, erasing at 0.25) on every batch.
    augment: { type: 'boolean', default: false },
  },
});
const backend = values.backend as BackendName;
const replicas = Number(values.replicas);
const batches = Number(values.batches);
const warmup = Number(values.warmup);
const batchSize = Number(values['batch-size']);

// The full data set, as a real run holds it: memory is measured on it.
const fm = await loadFashionMnist({ dataDir: 'data', download: false });
const data = seedSplit(fm.train, fm.test);
const report = await selectBackend(backend);
const augment = { translate: 2, flip: true, erase: 0.25 };
const options = {
  spec: DEFAULT_SPEC,
  optimizer: 'adam' as const,
  seed: 1,
  ...(values.augment ? { recipe: { augment } } : {}),
};
function compiled(): TrainingEngine {
  const addon = loadGraphAddon();
  if (addon instanceof Error) throw addon;
  return new CompiledEngine(
    addon,
    data,
    options,
    report.name,
    sessionConfig(Number(values.threads)),
  );
}
const engine: TrainingEngine =
  values.step === 'compiled'
    ? compiled()
    : replicas > 1
      ? await ParallelEngine.start(data, options, { replicas, backend })
      : new LocalEngine(data, options, report.name);

let next = 0;
const batch = () => {
  const rows = Int32Array.from({ length: batchSize }, (_, i) => (next + i) % data.train.count);
  next += batchSize;
  return engine.trainBatch(rows, { augmentSeed: 7 });
};
for (let i = 0; i < warmup; i++) await batch();
const limit = values.seconds === undefined ? undefined : Number(values.seconds) * 1000;
if (limit !== undefined) process.stderr.write('contender warm\n');
const started = performance.now();
let done = 0;
while (limit === undefined ? done < batches : performance.now() - started < limit) {
  await batch();
  done++;
}
const seconds = (performance.now() - started) / 1000;
await engine.dispose();
process.stdout.write(
  `${JSON.stringify({
    backend: report.name,
    detail: report.detail ? `${report.name}: ${report.detail}` : report.name,
    replicas,
    step: values.step,
    augment: values.augment,
    threads: Number(values.threads),
    batchSize,
    batches: done,
    imagesPerSecond: (done * batchSize) / seconds,
    // Worker threads live in this process, so this covers every replica.
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);

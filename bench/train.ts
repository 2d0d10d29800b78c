// Training benchmark: images per second of the seed CNN (batch 50, Adam) for our wasm
// training (two replicas and one), the stock tfjs cpu backend, and PyTorch with 1 and 2
// threads, all measured in this run on this machine. Prints ratios to PyTorch and, last,
// one JSON line with every figure.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');

interface Contender {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** A BLAS with its own thread pool (OpenBLAS) would otherwise ignore torch's thread count. */
const threads = (n: number) => ({ OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n) });

const tsx = ['--import', 'tsx', 'bench/train-contender.ts'];
const contenders: Contender[] = [
  {
    name: 'tailor_wasm_2_replicas',
    command: process.execPath,
    args: [...tsx, '--replicas', '2', '--batches', quick ? '6' : '40'],
  },
  {
    name: 'tailor_wasm_1_replica',
    command: process.execPath,
    args: [...tsx, '--replicas', '1', '--batches', quick ? '4' : '20'],
  },
  {
    name: 'pytorch_1_thread',
    command: '/usr/bin/python3',
    env: threads(1),
    args: [
      'bench/torch_train.py',
      '--threads',
      '1',
      '--batches',
      quick ? '6' : '40',
      '--infer-batches',
      '0',
    ],
  },
  {
    name: 'pytorch_2_threads',
    command: '/usr/bin/python3',
    env: threads(2),
    args: [
      'bench/torch_train.py',
      '--threads',
      '2',
      '--batches',
      quick ? '6' : '40',
      '--infer-batches',
      '0',
    ],
  },
  // The stock backend needs minutes per batch of 50: one timed batch after none untimed,
  // measured last so the figures that matter are taken first.
  {
    name: 'tfjs_cpu_stock',
    command: process.execPath,
    args: [
      ...tsx,
      '--backend',
      'cpu',
      '--warmup',
      '0',
      '--batches',
      '1',
      ...(quick ? ['--batch-size', '5'] : []),
    ],
  },
];

const results: Record<string, { imagesPerSecond: number; maxRssMB?: number; blas?: string }> = {};
for (const c of contenders) {
  process.stderr.write(`measuring ${c.name} ...\n`);
  const { stdout } = await run(c.command, c.args, {
    maxBuffer: 1 << 20,
    env: { ...process.env, ...c.env },
  });
  const line = JSON.parse(stdout.trim().split('\n').at(-1) as string);
  results[c.name] = {
    imagesPerSecond: line.imagesPerSecond ?? line.train_images_per_s,
    ...(line.maxRssMB ? { maxRssMB: Math.round(line.maxRssMB) } : {}),
    // Debian's torch uses whichever BLAS the system provides: say which one ran.
    ...(line.blas ? { blas: line.blas } : {}),
  };
}

const peer = results.pytorch_2_threads?.imagesPerSecond as number;
const ratios = Object.fromEntries(
  Object.entries(results).map(([name, r]) => [name, r.imagesPerSecond / peer]),
);
for (const [name, r] of Object.entries(results)) {
  const rss = r.maxRssMB ? `  peak RSS ${r.maxRssMB} MB` : '';
  const blas = r.blas ? `  BLAS ${r.blas}` : '';
  process.stdout.write(
    `${name.padEnd(24)} ${r.imagesPerSecond.toFixed(2).padStart(8)} img/s  ` +
      `${(ratios[name] as number).toFixed(3)}x PyTorch 2 threads${rss}${blas}\n`,
  );
}
process.stdout.write(
  `${JSON.stringify({
    batchSize: 50,
    imagesPerSecond: Object.fromEntries(
      Object.entries(results).map(([n, r]) => [n, r.imagesPerSecond]),
    ),
    ratioToPytorch2Threads: ratios,
    pytorchBlas: results.pytorch_2_threads?.blas,
    maxRssMB: Object.fromEntries(
      Object.entries(results)
        .filter(([, r]) => r.maxRssMB)
        .map(([n, r]) => [n, r.maxRssMB]),
    ),
  })}\n`,
);

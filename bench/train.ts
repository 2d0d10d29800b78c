// Training benchmark: images per second of the seed CNN (batch 50, Adam) for tailor on
// native TensorFlow (the compiled step, tailor's default there, and tfjs' eager step) and
// on wasm, next to the peers a user of this machine would pick
// instead: Keras on TensorFlow 2.21 compiled (`fit`, the notebook's way) and eager,
// PyTorch 2.13 from pip, and Debian's PyTorch 1.13; all measured one after another in this
// run. Prints each ratio to Keras compiled and, last, one JSON line with every figure.
//
//   npm run bench:train                 every contender (bench/peers.sh sets up the peers)
//   npm run bench:train -- --quick      fewer batches, for a smoke test
//   npm run bench:train -- --with-cpu   adds tfjs' stock cpu backend (minutes per batch)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const withCpu = process.argv.includes('--with-cpu');
const batches = (n: number) => String(quick ? Math.max(3, Math.round(n / 8)) : n);

interface Contender {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

interface Figure {
  imagesPerSecond: number;
  maxRssMB?: number;
  version?: string;
}

/** A BLAS with its own thread pool (OpenBLAS) would otherwise ignore torch's thread count. */
const threads = (n: number) => ({ OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n) });

const peersPython = (await run('bash', ['bench/peers.sh'], { maxBuffer: 1 << 20 })).stdout.trim();
const tsx = ['--import', 'tsx', 'bench/train-contender.ts'];
const tailor = (
  name: string,
  backend: string,
  replicas: number,
  n: number,
  step: 'compiled' | 'eager' = 'eager',
  threads = 0,
): Contender => ({
  name,
  command: process.execPath,
  args: [
    ...tsx,
    '--backend',
    backend,
    '--replicas',
    String(replicas),
    '--step',
    step,
    '--threads',
    String(threads),
    '--batches',
    batches(n),
  ],
});
const torch = (name: string, python: string): Contender => ({
  name,
  command: python,
  env: threads(2),
  args: [
    'bench/torch_train.py',
    '--threads',
    '2',
    '--batches',
    batches(40),
    '--infer-batches',
    '0',
  ],
});
const keras = (mode: 'compiled' | 'eager', n: number): Contender => ({
  name: `keras_${mode}`,
  command: peersPython,
  args: ['bench/keras_train.py', '--mode', mode, '--batches', batches(n)],
});

const contenders: Contender[] = [
  tailor('tailor_native_compiled', 'tensorflow', 1, 120, 'compiled'),
  // One thread: what training keeps when TAILOR_TRAINING_THREADS leaves a core to predict.
  tailor('tailor_native_compiled_1_thread', 'tensorflow', 1, 60, 'compiled', 1),
  tailor('tailor_native_eager', 'tensorflow', 1, 60),
  tailor('tailor_native_2_replicas', 'tensorflow', 2, 60),
  tailor('tailor_wasm_2_replicas', 'wasm', 2, 40),
  keras('compiled', 80),
  keras('eager', 40),
  torch('pytorch_2.13_pip', peersPython),
  torch('pytorch_1.13_debian', '/usr/bin/python3'),
  // Minutes per batch of 50: one timed batch after none untimed, measured last.
  ...(withCpu
    ? [
        {
          name: 'tfjs_cpu_stock',
          command: process.execPath,
          args: [...tsx, '--backend', 'cpu', '--warmup', '0', '--batches', '1'],
        },
      ]
    : []),
];

const results: Record<string, Figure> = {};
const skipped: Record<string, string> = {};
for (const c of contenders) {
  process.stderr.write(`measuring ${c.name} ...\n`);
  try {
    const { stdout } = await run(c.command, c.args, {
      maxBuffer: 1 << 20,
      env: { ...process.env, ...c.env },
    });
    const line = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    results[c.name] = {
      imagesPerSecond: line.imagesPerSecond ?? line.train_images_per_s,
      ...(line.maxRssMB ? { maxRssMB: Math.round(line.maxRssMB) } : {}),
      version: line.detail ?? line.tensorflow ?? line.torch,
    };
  } catch (err) {
    // A contender that cannot run is reported, not fatal: the others still compare.
    const lines = ((err as { stderr?: string }).stderr ?? '').trim().split('\n');
    const reason = lines.find((l) => /Error\b/.test(l)) ?? lines.at(-1);
    skipped[c.name] = reason || (err as Error).message.split('\n')[0] || 'failed';
    process.stderr.write(`  skipped: ${skipped[c.name]}\n`);
  }
}

const reference = results.keras_compiled?.imagesPerSecond;
const ratio = (r: Figure) => (reference ? r.imagesPerSecond / reference : Number.NaN);
for (const [name, r] of Object.entries(results)) {
  const rss = r.maxRssMB ? `  peak RSS ${r.maxRssMB} MB` : '';
  process.stdout.write(
    `${name.padEnd(26)} ${r.imagesPerSecond.toFixed(1).padStart(8)} img/s  ` +
      `${ratio(r).toFixed(3)}x Keras compiled${rss}  (${r.version ?? '?'})\n`,
  );
}
for (const [name, why] of Object.entries(skipped)) {
  process.stdout.write(`${name.padEnd(26)} skipped: ${why}\n`);
}
process.stdout.write(
  `${JSON.stringify({
    batchSize: 50,
    imagesPerSecond: Object.fromEntries(
      Object.entries(results).map(([n, r]) => [n, r.imagesPerSecond]),
    ),
    ratioToKerasCompiled: Object.fromEntries(
      Object.entries(results).map(([n, r]) => [n, ratio(r)]),
    ),
    maxRssMB: Object.fromEntries(
      Object.entries(results)
        .filter(([, r]) => r.maxRssMB)
        .map(([n, r]) => [n, r.maxRssMB]),
    ),
    skipped,
  })}\n`,
);

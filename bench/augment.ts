// Augmentation benchmark: training throughput of the seed CNN with the best preset's
// augmentation (shifts of up to 2 px, flips, random erasing at 0.25) against the same
// training without it, on each engine, in alternating runs of this one process tree; and
// the augmentation's own cost per image. Issue 14 allows at most a 10% cut.
//
//   npm run bench:augment               3 rounds per engine
//   npm run bench:augment -- --quick    1 round, fewer batches
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { augmentBatch } from '../src/ml/augment.js';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 3;

interface Engine {
  name: string;
  args: string[];
}
const ENGINES: Engine[] = [
  {
    name: 'native compiled',
    args: ['--backend', 'tensorflow', '--step', 'compiled', '--batches', quick ? '20' : '120'],
  },
  {
    name: 'native eager',
    args: ['--backend', 'tensorflow', '--step', 'eager', '--batches', quick ? '5' : '30'],
  },
  { name: 'wasm', args: ['--backend', 'wasm', '--batches', quick ? '5' : '30'] },
];

async function imagesPerSecond(engine: Engine, augment: boolean): Promise<number> {
  const args = ['--import', 'tsx', 'bench/train-contender.ts', ...engine.args];
  if (augment) args.push('--augment');
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string).imagesPerSecond;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const results: Record<string, { plain: number; augmented: number; ratio: number }> = {};
for (const engine of ENGINES) {
  const ratios: number[] = [];
  const plain: number[] = [];
  const augmented: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so a drift in the machine's load falls on both.
    const order = r % 2 === 0 ? [false, true] : [true, false];
    const figures: Record<string, number> = {};
    for (const on of order) figures[String(on)] = await imagesPerSecond(engine, on);
    plain.push(figures.false as number);
    augmented.push(figures.true as number);
    ratios.push((figures.true as number) / (figures.false as number));
  }
  results[engine.name] = {
    plain: median(plain),
    augmented: median(augmented),
    ratio: median(ratios),
  };
  const f = results[engine.name];
  console.log(
    `${engine.name.padEnd(16)} plain ${f?.plain.toFixed(0)} img/s, augmented ${f?.augmented.toFixed(0)} img/s: ratio ${f?.ratio.toFixed(3)} (median of ${rounds})`,
  );
}

// The augmentation alone, on batches of 128 images of 28x28.
const rows = Int32Array.from({ length: 128 }, (_, i) => i);
const pixels = new Float32Array(128 * 784).map(() => Math.random());
const passes = quick ? 200 : 2000;
const started = performance.now();
for (let p = 0; p < passes; p++) {
  augmentBatch(pixels, rows, 28, 28, { translate: 2, flip: true, erase: 0.25 }, p);
}
const microseconds = ((performance.now() - started) * 1000) / (passes * 128);
console.log(`augmentation alone: ${microseconds.toFixed(2)} µs per 28x28 image`);
console.log(JSON.stringify({ engines: results, microsecondsPerImage: microseconds }));

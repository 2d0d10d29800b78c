import type { BatchProgress } from '../ml/train.js';

const WIDTH = 30;

/** Keras' progress bar: `12000/50000 [=======>......] - ETA: 4:10 - loss: 0.41 - acc: 0.85`. */
export function progressLine(p: BatchProgress, seen: number, total: number): string {
  const done = Math.round((WIDTH * seen) / total);
  const bar =
    done >= WIDTH ? '='.repeat(WIDTH) : `${'='.repeat(done)}>${'.'.repeat(WIDTH - done - 1)}`;
  const eta = (total - seen) / Math.max(p.imagesPerSecond, 1e-9);
  return (
    `${String(seen).padStart(String(total).length)}/${total} [${bar}] - ETA: ${clock(eta)}` +
    ` - ${p.imagesPerSecond.toFixed(1)} img/s - loss: ${p.loss.toFixed(4)} - acc: ${p.acc.toFixed(4)}`
  );
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * Draws progress on a terminal in place; elsewhere (logs, CI) prints a line every tenth of
 * an epoch so the output stays short.
 */
export function createProgressReporter(
  stream: NodeJS.WriteStream,
  trainCount: number,
  batchSize: number,
): (p: BatchProgress) => void {
  let lastDecile = -1;
  return (p) => {
    const seen = Math.min(p.batch * batchSize, trainCount);
    const line = progressLine(p, seen, trainCount);
    if (stream.isTTY) {
      stream.write(`\r${line}`);
      if (p.batch === p.batches) stream.write('\n');
      return;
    }
    const decile = Math.floor((10 * p.batch) / p.batches);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${line}\n`);
    }
  };
}

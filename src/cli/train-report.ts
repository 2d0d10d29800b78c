import { join } from 'node:path';
import type { EpochMetrics } from '../ml/train.js';
import type { TrainingRunResult } from '../training/run.js';

/** The seed's per-epoch line: `50000/50000 - 640s 13ms/step - loss: ... - val_acc: ...`. */
export function printEpoch(out: NodeJS.WritableStream, m: EpochMetrics, batchSize: number): void {
  const msPerStep = (1000 * batchSize) / m.imagesPerSecond;
  out.write(
    `epoch ${m.epoch} - ${m.seconds.toFixed(0)}s ${msPerStep.toFixed(0)}ms/step` +
      ` - ${m.imagesPerSecond.toFixed(1)} img/s - loss: ${m.loss.toFixed(4)} - acc: ${m.acc.toFixed(4)}` +
      ` - val_loss: ${m.val_loss.toFixed(4)} - val_acc: ${m.val_acc.toFixed(4)}\n`,
  );
}

export function printTrainingResult(
  out: NodeJS.WritableStream,
  result: TrainingRunResult,
  checkpointDir: string,
): void {
  if (result.status === 'cancelled') {
    out.write(`Cancelled after ${result.history.length} epoch(s); resume with --resume.\n`);
  }
  if (result.history.length > 0) out.write(`best_val_acc: ${result.bestValAcc.toFixed(4)}\n`);
  if (result.bestCheckpoint) {
    out.write(`best checkpoint: ${join(checkpointDir, result.bestCheckpoint)}\n`);
  }
  if (result.lastCheckpoint) {
    out.write(`resumable checkpoint: ${join(checkpointDir, result.lastCheckpoint)}\n`);
  }
  if (!result.lastCheckpoint) out.write(`checkpoint dir: ${checkpointDir} (no epoch finished)\n`);
  const test = result.test;
  if (!test) return;
  out.write(`test_acc: ${test.accuracy.toFixed(4)} on ${test.count} images\n`);
  out.write(`${'class'.padEnd(14)}precision  recall  f1      support\n`);
  for (const c of test.perClass) {
    out.write(
      `${(c.className ?? String(c.label)).padEnd(14)}${c.precision.toFixed(4).padEnd(11)}` +
        `${c.recall.toFixed(4).padEnd(8)}${c.f1.toFixed(4).padEnd(8)}${c.support}\n`,
    );
  }
}

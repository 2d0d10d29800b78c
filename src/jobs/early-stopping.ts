/**
 * Early stopping of weak trials on val_acc, decided after each epoch from what the other
 * trials of the same tuning job reported at that epoch (asynchronously: trials run in
 * parallel and at different speeds, so each decides with what is known when it gets there).
 *
 * - `median`: the median stopping rule: stop when this trial's best val_acc so far is below
 *   the median of the other trials' best val_acc at the same epoch.
 * - `halving`: successive halving with rungs at minEpochs, 2 x minEpochs, 4 x ...: at a rung,
 *   a trial goes on only when its val_acc is within the top 1/`eta` of the trials that
 *   reached the rung so far.
 */
export interface EarlyStopping {
  rule: 'none' | 'median' | 'halving';
  /** No trial is stopped before this many epochs. */
  minEpochs: number;
  /** Other trials that must have reported an epoch before it is used to stop anyone. */
  minTrials: number;
  /** Halving keeps the top 1/eta at each rung. */
  eta: number;
}

export const NO_EARLY_STOPPING: EarlyStopping = {
  rule: 'none',
  minEpochs: 1,
  minTrials: 2,
  eta: 3,
};

export interface StopDecision {
  stop: boolean;
  reason: string;
}

/**
 * `mine`: this trial's best val_acc so far at `epoch`; `others`: the other trials' best
 * val_acc at the same epoch.
 */
export function decide(
  policy: EarlyStopping,
  epoch: number,
  mine: number,
  others: readonly number[],
): StopDecision {
  const keep = { stop: false, reason: '' };
  if (policy.rule === 'none' || epoch < policy.minEpochs || others.length < policy.minTrials) {
    return keep;
  }
  if (policy.rule === 'median') {
    const median = quantile(others, 0.5);
    return mine < median
      ? {
          stop: true,
          reason: `val_acc ${mine.toFixed(4)} at epoch ${epoch} is below the median ${median.toFixed(4)} of ${others.length} other trials`,
        }
      : keep;
  }
  if (!isRung(epoch, policy.minEpochs)) return keep;
  const all = [...others, mine].sort((a, b) => b - a);
  const kept = Math.max(1, Math.floor(all.length / policy.eta));
  const cutoff = all[kept - 1] as number;
  return mine < cutoff
    ? {
        stop: true,
        reason: `val_acc ${mine.toFixed(4)} at rung epoch ${epoch} is outside the top ${kept} of ${all.length} trials (cutoff ${cutoff.toFixed(4)})`,
      }
    : keep;
}

function isRung(epoch: number, minEpochs: number): boolean {
  for (let rung = minEpochs; rung <= epoch; rung *= 2) if (rung === epoch) return true;
  return false;
}

/** Linear-interpolated quantile, as numpy's default. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

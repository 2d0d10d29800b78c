import type { TrainingOptions } from '../jobs/training-job.js';
import { weightDecayOf } from '../ml/optimizer.js';
import { STEP_DEFAULTS } from '../ml/schedule.js';
import type { LearningRatePlan } from './learning-rate-plan.js';

/**
 * A job's training recipe in words, one part per feature it uses: the optimizer and its
 * rate always, the schedule, decay, smoothing, clipping, augmentation and early stopping
 * only when the job sets them (or, for AdamW's decay, gets them by default).
 */
export function recipeParts(training: Partial<TrainingOptions>, plan: LearningRatePlan): string[] {
  return [
    optimizerPart(training, plan),
    `peak learning rate ${plan.peak}${training.learningRate === undefined ? " (the optimizer's default)" : ''}`,
    schedulePart(plan),
    decayPart(training, plan),
    training.labelSmoothing ? `label smoothing ${training.labelSmoothing}` : undefined,
    training.clipNorm ? `gradients clipped to a global norm of ${training.clipNorm}` : undefined,
    augmentPart(training.augment),
    earlyStoppingPart(training.earlyStopping),
  ].filter((part): part is string => part !== undefined);
}

function optimizerPart(training: Partial<TrainingOptions>, plan: LearningRatePlan): string {
  if (!training.momentum) return plan.optimizer;
  return `${plan.optimizer} with ${training.nesterov ? "Nesterov's " : ''}momentum ${training.momentum}`;
}

function schedulePart({ schedule }: LearningRatePlan): string {
  const end = schedule.minLearningRate ?? 0;
  const warmup = schedule.warmupEpochs ? `, warm-up over ${epochs(schedule.warmupEpochs)}` : '';
  switch (schedule.type ?? 'constant') {
    case 'constant':
      return `constant schedule${warmup}`;
    case 'step':
      return `step schedule (× ${schedule.stepFactor ?? STEP_DEFAULTS.stepFactor} every ${epochs(schedule.stepEpochs ?? STEP_DEFAULTS.stepEpochs)})${warmup}`;
    case 'cosine':
      return `cosine schedule down to ${end}${warmup}`;
    case 'one-cycle': {
      const rise = schedule.warmupEpochs ? epochs(schedule.warmupEpochs) : '30% of the epochs';
      return `one-cycle schedule (rising from peak/25 over ${rise}, then cosine down to ${end})`;
    }
    default:
      // A type a later version stored: named as it is rather than dropped.
      return `${String(schedule.type)} schedule${warmup}`;
  }
}

function decayPart(training: Partial<TrainingOptions>, plan: LearningRatePlan): string | undefined {
  const decay = weightDecayOf(plan.optimizer, training.weightDecay);
  if (decay === 0) return undefined;
  return `decoupled weight decay ${decay}${training.weightDecay === undefined ? " (AdamW's default)" : ''}`;
}

function augmentPart(augment: TrainingOptions['augment']): string | undefined {
  if (!augment) return undefined;
  const parts = [
    augment.translate ? `shifts of up to ${augment.translate} px` : undefined,
    augment.flip ? 'left-right flips' : undefined,
    augment.erase ? `random erasing with probability ${augment.erase}` : undefined,
  ].filter((part) => part !== undefined);
  return parts.length > 0 ? `augmentation: ${parts.join(', ')}` : undefined;
}

function earlyStoppingPart(rule: TrainingOptions['earlyStopping']): string | undefined {
  if (!rule) return undefined;
  const better = rule.minDelta
    ? `val_acc rising by more than ${rule.minDelta}`
    : 'a better val_acc';
  return `early stopping after ${epochs(rule.patience)} without ${better}`;
}

function epochs(n: number): string {
  return `${n} epoch${n === 1 ? '' : 's'}`;
}

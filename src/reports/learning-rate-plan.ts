import type { TrainingJobView } from '../jobs/job-view.js';
import { DEFAULT_LEARNING_RATES, type OptimizerName } from '../ml/optimizer.js';
import { CONSTANT, epochRates, type Schedule } from '../ml/schedule.js';
import { TRAINING_DEFAULTS } from '../ml/training-defaults.js';

/**
 * Steps per epoch drawn for a job that has not reported its batches and sets no
 * `trainSize`: the full Fashion-MNIST split (50,000 images) in the seed's batches of 50.
 * Only warm-up and one-cycle's rise depend much on it; the note under the chart says so.
 */
export const ASSUMED_STEPS_PER_EPOCH = 1000;

/** Where the steps per epoch of a plan come from, as the report's note words it. */
export type StepsSource = 'progress' | 'trainSize' | 'assumed';

/** The learning rate a job's options give each of its epochs, and what it was worked out from. */
export interface LearningRatePlan {
  optimizer: OptimizerName;
  /** `learningRate`, else the optimizer's default: the rate of a constant run, a schedule's peak. */
  peak: number;
  schedule: Schedule;
  epochs: number;
  stepsPerEpoch: number;
  stepsFrom: StepsSource;
  /** The rate at the first step of each epoch, epoch 1 first. */
  rates: number[];
}

/**
 * The plan of a job from its stored options, as the training run computes it (fitModel: the
 * schedule over ceil(train images / batchSize) steps an epoch). Options a job stored before a
 * field existed read as that field's default, which is what the job ran with.
 */
export function learningRatePlan(
  job: Pick<TrainingJobView, 'training' | 'progress' | 'history'>,
): LearningRatePlan {
  const training = job.training;
  const optimizer = training.optimizer ?? TRAINING_DEFAULTS.optimizer;
  const batchSize = training.batchSize ?? TRAINING_DEFAULTS.batchSize;
  const epochs =
    training.epochs ??
    job.progress?.epochs ??
    Math.max(job.history.length, TRAINING_DEFAULTS.epochs);
  const peak = training.learningRate ?? DEFAULT_LEARNING_RATES[optimizer];
  const schedule = training.schedule ?? CONSTANT;
  const { stepsPerEpoch, stepsFrom } = stepsOf(
    job.progress?.batches,
    training.trainSize,
    batchSize,
  );
  return {
    optimizer,
    peak,
    schedule,
    epochs,
    stepsPerEpoch,
    stepsFrom,
    rates: epochRates(peak, schedule, stepsPerEpoch, epochs),
  };
}

function stepsOf(
  batches: number | undefined,
  trainSize: number | undefined,
  batchSize: number,
): { stepsPerEpoch: number; stepsFrom: StepsSource } {
  if (batches !== undefined && batches > 0)
    return { stepsPerEpoch: batches, stepsFrom: 'progress' };
  if (trainSize !== undefined) {
    return { stepsPerEpoch: Math.ceil(trainSize / batchSize), stepsFrom: 'trainSize' };
  }
  return { stepsPerEpoch: ASSUMED_STEPS_PER_EPOCH, stepsFrom: 'assumed' };
}

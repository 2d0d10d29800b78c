import type { Job, JobState } from 'bullmq';
import type { EarlyStopping } from '../jobs/early-stopping.js';
import type { TrainingJobView } from '../jobs/job-view.js';
import type { TrialParams } from './parameters.js';
import type { SearchSpace } from './search-space.js';

/** A tuning job as queued (the flow's parent job). */
export interface TuningJobData {
  dataset: string;
  search: 'random' | 'grid';
  space: SearchSpace;
  budget: { trials: number; maxSeconds?: number };
  earlyStopping: EarlyStopping;
  seed: number;
  promote?: string;
  createdAt: number;
  deadline?: number;
  trials: { trial: number; params: TrialParams; jobId: string; adjustments?: string[] }[];
  /** Grid points not run because they repeat an earlier trial (trial-plan.ts). */
  skippedRepeats?: number;
}

export interface BestTrial {
  trial: number;
  jobId: string;
  params: TrialParams;
  bestValAcc: number;
  testAccuracy: number | null;
}

/** What the parent job returns once every trial is done. */
export interface TuningResult {
  best: BestTrial | null;
  modelId: string | null;
  promoted: string | null;
  /** Why `promote` was not done, when it was refused. */
  promotionError?: string;
}

export type TuningStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface TrialView {
  trial: number;
  jobId: string;
  params: TrialParams;
  /** Settings the trial runs without, and why (trial-conflicts.ts). */
  adjustments: string[];
  status: TrainingJobView['status'] | 'unknown';
  /** Why it ended, when it ended otherwise than by completing (stopped early, failed...). */
  reason: string | null;
  epochs: number;
  /** The learning curve: per-epoch loss/acc/val_loss/val_acc. */
  history: TrainingJobView['history'];
  bestValAcc: number | null;
  testAccuracy: number | null;
}

/** The tuning job as clients see it: its trials with their curves, and the best one. */
export function toTuningView(
  job: Job<TuningJobData, TuningResult>,
  state: JobState | 'unknown',
  trialJobs: (TrainingJobView | null)[],
) {
  const trials: TrialView[] = job.data.trials.map((t, i) => trialView(t, trialJobs[i] ?? null));
  const result = job.returnvalue ?? null;
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
  const started = trials.some((t) => t.status !== 'queued');
  const status: TuningStatus =
    state === 'completed'
      ? 'completed'
      : state === 'failed'
        ? 'failed'
        : started || state === 'active'
          ? 'running'
          : 'queued';
  const { trials: _, ...data } = job.data;
  return {
    id: String(job.id),
    status,
    ...data,
    skippedRepeats: job.data.skippedRepeats ?? 0,
    createdAt: new Date(job.data.createdAt).toISOString(),
    deadline: job.data.deadline ? new Date(job.data.deadline).toISOString() : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    counts,
    trials,
    best: result?.best ?? bestSoFar(trials),
    modelId: result?.modelId ?? null,
    promoted: result?.promoted ?? null,
    promotionError: result?.promotionError ?? null,
    error: state === 'failed' ? (job.failedReason ?? 'failed') : null,
  };
}

export type TuningJobView = ReturnType<typeof toTuningView>;

function trialView(t: TuningJobData['trials'][number], job: TrainingJobView | null): TrialView {
  const last = job?.transitions.at(-1);
  const ended = job && !['queued', 'active', 'completed'].includes(job.status);
  return {
    trial: t.trial,
    jobId: t.jobId,
    params: t.params,
    adjustments: t.adjustments ?? [],
    status: job?.status ?? 'unknown',
    reason: ended ? (last?.reason ?? job.error) : null,
    epochs: job?.history.length ?? 0,
    history: job?.history ?? [],
    bestValAcc: job?.bestValAcc ?? null,
    testAccuracy: job?.test?.accuracy ?? null,
  };
}

/** The trial with the best val_acc among those that ran all their epochs. */
export function bestSoFar(trials: readonly TrialView[]): BestTrial | null {
  let best: TrialView | undefined;
  for (const t of trials) {
    if (t.status !== 'completed' || t.bestValAcc === null) continue;
    if (!best || t.bestValAcc > (best.bestValAcc as number)) best = t;
  }
  if (!best) return null;
  const { trial, jobId, params, bestValAcc, testAccuracy } = best;
  return { trial, jobId, params, bestValAcc: bestValAcc as number, testAccuracy };
}

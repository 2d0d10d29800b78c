import type { Job, JobState } from 'bullmq';
import type { CancelRequest } from './cancel-requests.js';
import { TERMINAL_STATUSES, type TrainingJobStatus } from './job-status.js';
import { type LifecycleState, TERMINAL_STATES, type Transition } from './lifecycle.js';
import type { TrainingJobResult } from './processor.js';
import type { TrainingProgress } from './progress.js';
import type { TrainingJobData } from './training-job.js';
import type { TrainingJobView } from './training-job-schema.js';

/** A training job as clients see it: its schema lives in training-job-schema.ts. */
export type { TrainingJobView };

const STATUS: Partial<Record<JobState | 'unknown', TrainingJobStatus>> = {
  waiting: 'queued',
  'waiting-children': 'queued',
  delayed: 'queued',
  prioritized: 'queued',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

/** What the view is built from besides the job: its lifecycle rows and a cancel request. */
export interface JobExtras {
  transitions: Transition[];
  cancel?: CancelRequest;
}

export function toJobView(
  job: Job<TrainingJobData, TrainingJobResult>,
  bullState: JobState | 'unknown',
  extras: JobExtras = { transitions: [] },
): TrainingJobView {
  const result = job.returnvalue ?? null;
  const progress =
    job.progress && typeof job.progress === 'object' ? (job.progress as TrainingProgress) : null;
  const iso = (t: number | undefined) => (t ? new Date(t).toISOString() : null);
  const status = statusOf(bullState, result, extras.cancel);
  const transitions = lifecycle(job, status, extras);
  return {
    id: String(job.id),
    status,
    state: TERMINAL_STATUSES.includes(status)
      ? (status as LifecycleState)
      : (transitions.at(-1)?.state ?? 'queued'),
    transitions,
    cancelRequestedAt: extras.cancel?.at ?? null,
    dataset: job.data.dataset,
    spec: job.data.spec,
    training: job.data.training,
    progress,
    history: result?.history ?? progress?.history ?? [],
    bestValAcc: result && Number.isFinite(result.bestValAcc) ? result.bestValAcc : null,
    test: result?.test ?? null,
    modelId: result?.modelId ?? null,
    bestCheckpoint: checkpointName(result?.bestCheckpoint),
    backend: result?.backend ?? progress?.backend ?? null,
    attempts: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    error: bullState === 'failed' ? (job.failedReason ?? 'failed') : null,
  };
}

/** A name; results of older versions held the worker's path, of which the name is the end. */
function checkpointName(value: string | undefined): string | null {
  return value ? (value.split('/').at(-1) ?? null) : null;
}

function statusOf(
  bullState: JobState | 'unknown',
  result: TrainingJobResult | null,
  cancel: CancelRequest | undefined,
): TrainingJobStatus {
  // A run that ended early still completes in BullMQ; its result says how it ended.
  if (bullState === 'completed' && result && result.status !== 'completed') return result.status;
  const status = STATUS[bullState] ?? 'queued';
  // A cancelled job that no worker took yet is over for the client already: a worker that
  // takes it ends it at once.
  return status === 'queued' && cancel ? 'cancelled' : status;
}

/**
 * The recorded transitions, opened by the submission and closed by the terminal state
 * BullMQ reports, so the history is whole even when a process died before writing a row.
 */
function lifecycle(
  job: Job<TrainingJobData, TrainingJobResult>,
  status: TrainingJobStatus,
  { transitions, cancel }: JobExtras,
): Transition[] {
  const submitted: Transition = {
    state: 'queued',
    at: new Date(job.timestamp).toISOString(),
    reason: 'submitted',
  };
  const all = [submitted, ...transitions];
  const last = all.at(-1) as Transition;
  if (TERMINAL_STATUSES.includes(status) && !TERMINAL_STATES.includes(last.state)) {
    const unstarted = status === 'cancelled' && !job.finishedOn && cancel;
    all.push({
      state: status as LifecycleState,
      at: unstarted ? cancel.at : new Date(job.finishedOn ?? job.timestamp).toISOString(),
      reason: unstarted
        ? `cancelled before it started, by ${cancel.by}`
        : job.failedReason || status,
    });
  }
  return all;
}

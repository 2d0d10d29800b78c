import type { Job, JobState } from 'bullmq';
import type { TrainingJobResult } from './processor.js';
import type { TrainingProgress } from './progress.js';
import type { TrainingJobData } from './training-job.js';

export type TrainingJobStatus = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';

/** A training job as clients see it. */
export interface TrainingJobView {
  id: string;
  status: TrainingJobStatus;
  dataset: string;
  spec: TrainingJobData['spec'];
  training: TrainingJobData['training'];
  progress: TrainingProgress | null;
  history: TrainingProgress['history'];
  bestValAcc: number | null;
  test: TrainingJobResult['test'] | null;
  /** The registered model, once the job completed. */
  modelId: string | null;
  checkpointDir: string | null;
  bestCheckpoint: string | null;
  backend: string | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

const STATUS: Partial<Record<JobState | 'unknown', TrainingJobStatus>> = {
  waiting: 'queued',
  'waiting-children': 'queued',
  delayed: 'queued',
  prioritized: 'queued',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

export function toJobView(
  job: Job<TrainingJobData, TrainingJobResult>,
  state: JobState | 'unknown',
): TrainingJobView {
  const result = job.returnvalue ?? null;
  const progress =
    job.progress && typeof job.progress === 'object' ? (job.progress as TrainingProgress) : null;
  const cancelled = result?.status === 'cancelled';
  const iso = (t: number | undefined) => (t ? new Date(t).toISOString() : null);
  return {
    id: String(job.id),
    status: cancelled ? 'cancelled' : (STATUS[state] ?? 'queued'),
    dataset: job.data.dataset,
    spec: job.data.spec,
    training: job.data.training,
    progress,
    history: result?.history ?? progress?.history ?? [],
    bestValAcc: result && Number.isFinite(result.bestValAcc) ? result.bestValAcc : null,
    test: result?.test ?? null,
    modelId: result?.modelId ?? null,
    checkpointDir: result?.checkpointDir ?? null,
    bestCheckpoint: result?.bestCheckpoint ?? null,
    backend: result?.backend ?? progress?.backend ?? null,
    attempts: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    error: state === 'failed' ? (job.failedReason ?? 'failed') : null,
  };
}

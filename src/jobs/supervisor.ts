import { hostname } from 'node:os';
import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { CancelRequests } from './cancel-requests.js';
import { indexOfQueue } from './job-index.js';
import type { TrainingJobStatus } from './job-status.js';
import {
  activeSeconds,
  type LifecycleState,
  parseTransitions,
  type Transition,
  transition,
} from './lifecycle.js';
import type { TrainingJobResult } from './processor.js';
import { STOP } from './stop-reasons.js';
import type { TrainingJobData } from './training-job.js';

export interface SupervisorOptions {
  worker: Worker<TrainingJobData, TrainingJobResult>;
  /** Writes lifecycle rows into jobs' logs. */
  queue: Queue<TrainingJobData>;
  cancels: CancelRequests;
  log: Logger;
  /** How often cancel requests and time limits are checked. */
  pollMs?: number;
}

/**
 * The worker's side of the job lifecycle: records attempt-level transitions (started,
 * requeued, finished), and stops running jobs that were cancelled, ran past their time
 * limit, or whose lock was lost. Stopping goes through BullMQ's cancel signal, which
 * reaches the sandboxed child however busy it is.
 */
export function superviseTraining({
  worker,
  queue,
  cancels,
  log,
  pollMs = 1000,
}: SupervisorOptions) {
  /** Running jobs on this worker, with the time each must stop by. */
  const running = new Map<string, { deadline?: number }>();
  const where = `${hostname()} (pid ${process.pid})`;
  const record = (id: string, t: Transition) =>
    queue
      .addJobLog(id, JSON.stringify(t))
      .catch((err) => log.warn({ err, jobId: id }, 'lifecycle'));
  const index = indexOfQueue(queue);
  /** Keeps the index job lists page through in step with the job's status. */
  const reindex = (id: string, at: number, status: TrainingJobStatus) =>
    index.move(id, at, status).catch((err) => log.warn({ err, jobId: id }, 'job index'));
  const stop = (id: string, reason: string) => {
    if (worker.cancelJob(id, reason)) log.info({ jobId: id, reason }, 'stopping training job');
  };

  worker.on('active', async (job) => {
    const id = String(job.id);
    running.set(id, {});
    // Cancelled while it waited: end it before it starts training.
    if (await cancels.get(id)) return stop(id, STOP.cancel);
    await reindex(id, job.timestamp, 'active');
    await record(
      id,
      transition('active', `attempt ${job.attemptsStarted} on ${where}`, {
        attempt: job.attemptsStarted,
      }),
    );
    const limit = job.data.training.maxRunSeconds;
    if (limit !== undefined) {
      const { logs } = await queue.getJobLogs(id, 0, -1);
      const used = activeSeconds(parseTransitions(logs));
      const entry = running.get(id);
      if (entry) entry.deadline = Date.now() + (limit - used) * 1000;
    }
  });

  worker.on('completed', (job, result) => {
    running.delete(String(job.id));
    const ended: Record<TrainingJobResult['status'], [LifecycleState, string]> = {
      completed: [
        'completed',
        result.modelId
          ? `model ${result.modelId} registered`
          : 'all epochs done; its tuning job registers the best trial',
      ],
      cancelled: ['cancelled', 'cancelled on request; its checkpoints are kept'],
      stopped_early: ['stopped_early', 'stopped early by its tuning job'],
      timed_out: [
        'timed_out',
        `ran past its limit of ${job.data.training.maxRunSeconds} s; its checkpoints are kept`,
      ],
    };
    const [state, fallback] = ended[result.status] ?? ended.completed;
    const reason = result.endReason ?? fallback;
    void reindex(String(job.id), job.timestamp, state as TrainingJobStatus);
    void record(String(job.id), transition(state, reason, { attempt: job.attemptsStarted }));
  });

  worker.on('failed', async (job, err) => {
    if (!job) return;
    running.delete(String(job.id));
    const final = (await job.getState()) === 'failed';
    await reindex(String(job.id), job.timestamp, final ? 'failed' : 'queued');
    const reason = final
      ? err.message
      : `attempt ${job.attemptsStarted} failed (${err.message}); retrying from its last checkpoint`;
    await record(
      String(job.id),
      transition(final ? 'failed' : 'queued', reason, { attempt: job.attemptsStarted }),
    );
  });

  // Another worker died holding this job; BullMQ has put it back in the queue.
  worker.on('stalled', (jobId) => {
    void queue
      .getJob(jobId)
      .then((job) => job && reindex(jobId, job.timestamp, 'queued'))
      .catch((err) => log.warn({ err, jobId }, 'job index'));
    void record(
      jobId,
      transition(
        'queued',
        'its worker stopped answering (lock expired); it resumes from its last checkpoint',
      ),
    );
  });

  // After a Redis outage longer than the lock, the job may already be someone else's.
  worker.on('lockRenewalFailed', (ids) => {
    for (const id of ids) stop(id, STOP.lockLost);
  });

  const timer = setInterval(() => {
    void check().catch((err) => log.warn({ err }, 'checking cancel requests'));
  }, pollMs);
  timer.unref();

  async function check() {
    const now = Date.now();
    for (const [id, { deadline }] of running)
      if (deadline !== undefined && now > deadline) stop(id, STOP.timeout);
    for (const id of await cancels.pending([...running.keys()])) stop(id, STOP.cancel);
  }

  return {
    /** Jobs running here, for tests and logs. */
    running: () => [...running.keys()],
    /**
     * Stops taking jobs and asks each running one to checkpoint and go back to the queue.
     * A job not back within `graceMs` is left to stall: another worker resumes it from
     * its last epoch checkpoint once its lock expires.
     */
    async shutdown(graceMs: number): Promise<void> {
      clearInterval(timer);
      const closing = worker.close();
      worker.cancelAllJobs(STOP.shutdown);
      let timeout: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(true), graceMs);
      });
      const timedOut = await Promise.race([closing.then(() => false), late]);
      clearTimeout(timeout);
      if (timedOut) {
        log.warn({ graceMs, jobs: [...running.keys()] }, 'grace period over; closing anyway');
        await worker.close(true);
      }
    },
  };
}

export type Supervisor = ReturnType<typeof superviseTraining>;

import { ApiError } from './errors.js';

export interface StreamLimits {
  /** Event streams one API key (or, without keys, one client address) may hold open. */
  perCaller: number;
  /** Event streams open on one job, from all callers together. */
  perJob: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perCaller: 16, perJob: 64 };

/**
 * Counts the event streams held open in this process, per caller and per job, so that no
 * caller can tie up sockets and timers without bound.
 */
export class StreamSlots {
  private readonly byCaller = new Map<string, number>();
  private readonly byJob = new Map<string, number>();

  constructor(private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {}

  /** Takes a slot or throws 429 STREAM_LIMIT; returns the release, which is idempotent. */
  acquire(caller: string, job: string): () => void {
    const { perCaller, perJob } = this.limits;
    if ((this.byCaller.get(caller) ?? 0) >= perCaller) {
      throw new ApiError(
        'STREAM_LIMIT',
        `${perCaller} event streams are already open for this caller; close one, or poll the job instead`,
      );
    }
    if ((this.byJob.get(job) ?? 0) >= perJob) {
      throw new ApiError(
        'STREAM_LIMIT',
        `${perJob} event streams are already open on job '${job}'; poll the job instead`,
      );
    }
    add(this.byCaller, caller, 1);
    add(this.byJob, job, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      add(this.byCaller, caller, -1);
      add(this.byJob, job, -1);
    };
  }
}

function add(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

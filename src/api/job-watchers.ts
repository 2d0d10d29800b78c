import type { TrainingJobView } from '../jobs/job-view.js';

/** What a watcher gets on each read of its job: the job, or why it could not be read. */
export type JobReading = { job: TrainingJobView } | { error: unknown };

export interface JobWatchersOptions {
  /** Reads a job by id; throws when it cannot (Redis down, job gone). */
  read: (id: string) => Promise<TrainingJobView>;
  /** How often each watched job is read; default 500 ms. */
  intervalMs?: number;
}

interface Watched {
  listeners: Set<(reading: JobReading) => void>;
  timer: NodeJS.Timeout;
  reading: boolean;
}

/**
 * One read per watched job per interval, shared by all of its event streams in this
 * process, so that a hundred clients watching one job cost Redis what one does. A job's
 * timer runs while anyone watches it.
 */
export class JobWatchers {
  private readonly jobs = new Map<string, Watched>();
  private readonly read: JobWatchersOptions['read'];
  private readonly intervalMs: number;

  constructor({ read, intervalMs = 500 }: JobWatchersOptions) {
    this.read = read;
    this.intervalMs = intervalMs;
  }

  /** Starts delivering readings of job `id` to `listener`; returns the unsubscribe. */
  watch(id: string, listener: (reading: JobReading) => void): () => void {
    let watched = this.jobs.get(id);
    if (!watched) {
      const created: Watched = {
        listeners: new Set(),
        reading: false,
        timer: setInterval(() => this.tick(created, id), this.intervalMs),
      };
      this.jobs.set(id, created);
      watched = created;
    }
    watched.listeners.add(listener);
    const owner = watched;
    return () => {
      owner.listeners.delete(listener);
      if (owner.listeners.size === 0 && this.jobs.get(id) === owner) {
        clearInterval(owner.timer);
        this.jobs.delete(id);
      }
    };
  }

  /** Number of jobs being read, for tests and diagnostics. */
  get watchedJobs(): number {
    return this.jobs.size;
  }

  close(): void {
    for (const watched of this.jobs.values()) clearInterval(watched.timer);
    this.jobs.clear();
  }

  private async tick(watched: Watched, id: string): Promise<void> {
    if (watched.reading) return;
    watched.reading = true;
    let reading: JobReading;
    try {
      reading = { job: await this.read(id) };
    } catch (error) {
      reading = { error };
    } finally {
      watched.reading = false;
    }
    for (const listener of [...watched.listeners]) listener(reading);
  }
}

import type { Job, JobType, Queue } from 'bullmq';
import { decodeCursor, encodeCursor, type IndexEntry } from '../redis/creation-index.js';
import type { JobIndex } from './job-index.js';
import type { TrainingJobStatus } from './job-status.js';

/**
 * The most index entries one page reads. Entries of jobs that retention removed, or that
 * changed status, are skipped (and mended); past this many a page comes back short, with a
 * cursor to go on from, instead of reading without bound.
 */
export const MAX_ENTRIES_PER_PAGE = 1000;

export interface PageRequest {
  status?: TrainingJobStatus;
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when older jobs follow. */
  nextCursor?: string;
}

/**
 * One page of an index, newest first. Each entry is checked against the job itself: a job
 * that is gone is dropped from the index, one whose status is not the one asked for is
 * moved to its own, so pages are full whatever the index missed.
 */
export async function pageIndex<T>(
  index: JobIndex,
  { status, limit, cursor }: PageRequest,
  load: (id: string) => Promise<T | undefined>,
  statusOf: (item: T) => TrainingJobStatus,
): Promise<Page<T>> {
  let after = cursor === undefined ? undefined : decodeCursor(cursor);
  const items: T[] = [];
  let more = true;
  let read = 0;
  while (items.length < limit && more && read < MAX_ENTRIES_PER_PAGE) {
    const slice = await index.slice(status, after, Math.min(limit - items.length, 100));
    more = slice.more;
    read += slice.entries.length;
    const loaded = await Promise.all(slice.entries.map((entry) => load(entry.id)));
    for (const [i, entry] of slice.entries.entries()) {
      after = entry;
      const item = loaded[i];
      if (item === undefined) await index.forget(entry.id);
      else if (status && statusOf(item) !== status) await mend(index, entry, statusOf(item));
      else items.push(item);
    }
  }
  return more && after ? { items, nextCursor: encodeCursor(after) } : { items };
}

function mend(index: JobIndex, entry: IndexEntry, status: TrainingJobStatus) {
  return index.move(entry.id, entry.at, status);
}

/**
 * Moves the jobs recorded as `status` whose real status differs, such as a job that ended
 * while its worker died before recording it. Run before a list of terminal statuses, over
 * the running jobs: few, as there are few workers.
 */
export async function settleIndex<T>(
  index: JobIndex,
  status: TrainingJobStatus,
  load: (id: string) => Promise<T | undefined>,
  statusOf: (item: T) => TrainingJobStatus,
): Promise<void> {
  const entries = await index.ids(status, MAX_ENTRIES_PER_PAGE);
  const loaded = await Promise.all(entries.map((entry) => load(entry.id)));
  for (const [i, entry] of entries.entries()) {
    const item = loaded[i];
    if (item === undefined) await index.forget(entry.id);
    else if (statusOf(item) !== status) await mend(index, entry, statusOf(item));
  }
}

/**
 * Indexes the jobs a queue held before it had an index (an upgrade), once per queue: a
 * marker in Redis says it is done. Two processes that fill at once record the same jobs.
 */
export async function fillIndex(
  index: JobIndex,
  queue: Queue,
  types: readonly JobType[],
  record: (job: Job) => Promise<void>,
): Promise<void> {
  if (await index.filled()) return;
  for (const type of types) {
    // One state at a time: BullMQ pages each state of a multi-state call on its own.
    for (let start = 0; ; start += 200) {
      const jobs = await queue.getJobs([type], start, start + 199);
      for (const job of jobs) if (!(await index.has(String(job.id)))) await record(job);
      if (jobs.length < 200) break;
    }
  }
  await index.markFilled();
}

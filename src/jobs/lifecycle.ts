import Type, { type Static } from 'typebox';
import { TERMINAL_STATUSES } from './job-status.js';
import { literalUnion } from './literal-union.js';

/**
 * A training job's lifecycle: explicit states, each entered with a timestamp and a reason.
 * Transitions are stored as JSON rows in the job's BullMQ log, so they live and die with
 * the job, and any process holding the queue (API, worker, sandboxed child) can append.
 */
export const LIFECYCLE_STATES = [
  'queued',
  'active',
  'training',
  'checkpointing',
  'evaluating',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'stopped_early',
] as const;

export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** The states a job ends in: its terminal statuses, one list for both. */
export const TERMINAL_STATES: readonly LifecycleState[] = TERMINAL_STATUSES;

export const LifecycleStateSchema = literalUnion(LIFECYCLE_STATES);

/** One state a job entered: the rows of its log, and the `transitions` of its view. */
export const TransitionSchema = Type.Object({
  state: LifecycleStateSchema,
  /** ISO time the state was entered. */
  at: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  /** 1-based attempt the transition belongs to, where one is running. */
  attempt: Type.Optional(Type.Integer()),
  /** Where training stood: the epoch in flight and batches done in it. */
  epoch: Type.Optional(Type.Integer()),
  batch: Type.Optional(Type.Integer()),
});

export type Transition = Static<typeof TransitionSchema>;

export function transition(
  state: LifecycleState,
  reason: string,
  extra: Pick<Transition, 'attempt' | 'epoch' | 'batch'> = {},
): Transition {
  return { state, at: new Date().toISOString(), reason, ...extra };
}

/** The transitions among a job's log rows; rows that are not transitions are skipped. */
export function parseTransitions(rows: readonly string[]): Transition[] {
  const out: Transition[] = [];
  for (const row of rows) {
    try {
      const value = JSON.parse(row) as Partial<Transition>;
      const known = (LIFECYCLE_STATES as readonly string[]).includes(value.state ?? '');
      if (known && typeof value.at === 'string' && typeof value.reason === 'string') {
        out.push(value as Transition);
      }
    } catch {
      // Not JSON: a free-form log line.
    }
  }
  return out;
}

/**
 * Seconds a job has spent running, over all attempts: from each `active` transition to the
 * next transition that ends an attempt (back to `queued`, or a terminal state), or to `now`
 * for the attempt in flight. Time spent waiting in the queue does not count.
 */
export function activeSeconds(transitions: readonly Transition[], now = Date.now()): number {
  let total = 0;
  let since: number | undefined;
  for (const t of transitions) {
    const at = Date.parse(t.at);
    if (t.state === 'active') {
      if (since !== undefined) total += at - since;
      since = at;
    } else if (since !== undefined && (t.state === 'queued' || TERMINAL_STATES.includes(t.state))) {
      total += at - since;
      since = undefined;
    }
  }
  if (since !== undefined) total += now - since;
  return Math.max(0, total / 1000);
}

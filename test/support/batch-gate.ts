import type { Redis } from 'ioredis';
import { batchGates, type GatePosition } from '../../src/jobs/batch-gate.js';

/**
 * Holds training jobs at exact batches (workers started with TAILOR_BATCH_GATE=1), so a
 * test that needs a job mid-epoch puts it there itself, whatever the machine's speed.
 */
export function gateControl(redis: Redis, prefix: string) {
  const gates = batchGates(redis, prefix);
  return {
    ...gates,
    /** Waits until the job waits at exactly `at`. */
    async reached(jobId: string, at: GatePosition, timeoutMs = 120_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const held = await gates.heldAt(jobId).catch(() => undefined);
        if (held?.epoch === at.epoch && held.batch === at.batch) return;
        if (Date.now() > until) {
          throw new Error(
            `job ${jobId} never waited at epoch ${at.epoch} batch ${at.batch}` +
              (held ? ` (it waits at epoch ${held.epoch} batch ${held.batch})` : ''),
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    /** Lets the job run on to `at` and waits until it stands there. */
    async runTo(jobId: string, at: GatePosition, timeoutMs?: number): Promise<void> {
      await gates.holdAt(jobId, at);
      await this.reached(jobId, at, timeoutMs);
    },
  };
}

export type GateControl = ReturnType<typeof gateControl>;

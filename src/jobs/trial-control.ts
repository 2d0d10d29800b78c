import type { Config } from '../config.js';
import type { EpochMetrics } from '../ml/train.js';
import { childConnection } from './connection.js';
import { decide } from './early-stopping.js';
import { STOP } from './stop-reasons.js';
import type { TrialOf } from './training-job.js';
import { trialReports } from './trial-reports.js';

/**
 * What a tuning trial does besides training: after each epoch it posts its best val_acc and
 * stops itself when the early-stopping rule finds it weak; it stops when its tuning job's
 * time budget is spent.
 */
export async function trialControl(config: Config, of: TrialOf, stop: AbortController) {
  const redis = childConnection(config.redisUrl); // posting waits through outages
  const reports = trialReports(redis, config.queuePrefix, of.id);
  let best = Number.NEGATIVE_INFINITY;
  let stoppedBecause: string | undefined;
  // Checked once a second rather than one timer: a budget of up to 30 days is longer than
  // the longest delay a Node timer takes (about 24.8 days).
  const { deadline } = of;
  const timer =
    deadline === undefined
      ? undefined
      : setInterval(() => {
          if (Date.now() >= deadline) stop.abort(STOP.timeout);
        }, 1000);
  if (deadline !== undefined && Date.now() >= deadline) stop.abort(STOP.timeout);
  return {
    epochDone(m: EpochMetrics) {
      best = Math.max(best, m.val_acc);
      void reports
        .post(of.trial, m.epoch, best)
        .then((others) => {
          const decision = decide(of.earlyStopping, m.epoch, best, others);
          if (decision.stop && !stop.signal.aborted) {
            stoppedBecause = `stopped early after epoch ${m.epoch}: ${decision.reason}`;
            stop.abort(STOP.earlyStop);
          }
        })
        .catch(() => {}); // without the others' figures the trial simply goes on
    },
    reason(ended: string): string | undefined {
      if (ended === 'stopped_early') return stoppedBecause;
      if (ended === 'timed_out') return "its tuning job's time budget was spent";
      return undefined;
    },
    close() {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}

/**
 * Why a worker aborts a running job (the reason of BullMQ's cancel signal). Only `shutdown`
 * keeps the job alive: it is checkpointed and handed back to the queue.
 */
export const STOP = {
  /** A client asked to cancel it. */
  cancel: 'cancel',
  /** It ran past its `maxRunSeconds`. */
  timeout: 'timeout',
  /** Its worker is stopping (SIGTERM). */
  shutdown: 'shutdown',
  /** A tuning job's early-stopping rule found it weak. */
  earlyStop: 'early-stop',
  /** Its lock expired (a long Redis outage): the queue may have given it to another worker. */
  lockLost: 'lock-lost',
} as const;

export type StopReason = (typeof STOP)[keyof typeof STOP];

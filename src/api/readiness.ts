import type { CheckResult, ReadinessReport } from './deps.js';

/** A check resolves when its dependency is usable and throws (or rejects) when not. */
export type ReadinessCheck = () => Promise<void>;

export interface ReadinessOptions {
  /** A check still pending after this many milliseconds counts as not ok. */
  timeoutMs?: number;
}

/**
 * Builds `AppDeps.readiness` from named checks run concurrently: a check that throws or
 * hangs counts as not ok with its message, so one broken dependency never fails the probe
 * itself or hides the state of the others.
 */
export function readinessFrom(
  checks: Record<string, ReadinessCheck>,
  { timeoutMs = 2000 }: ReadinessOptions = {},
): () => Promise<ReadinessReport> {
  return async () => {
    const names = Object.keys(checks);
    const results = await Promise.all(
      names.map((name) => runCheck(checks[name] as ReadinessCheck, timeoutMs)),
    );
    return Object.fromEntries(names.map((name, i) => [name, results[i] as CheckResult]));
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

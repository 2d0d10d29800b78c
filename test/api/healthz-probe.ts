import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';

/** One `/healthz` answer: how long it took, and the CPU time this thread spent meanwhile. */
export interface HealthzSample {
  latencyMs: number;
  /** This thread's CPU time during the request (see `threadCpuMs`); `latencyMs` where unknown. */
  loopCpuMs: number;
}

export interface HealthzProbe {
  /** Stops polling; resolves with each answer, in order. */
  stop(): Promise<HealthzSample[]>;
}

/**
 * Polls `GET /healthz` at `baseUrl` over one kept-alive connection, each request sent the
 * moment the previous answer ends. The server shares this process' event loop, so anything
 * that holds the loop, between requests as much as during one, lengthens some answer.
 *
 * Each answer also carries the CPU time the event loop's thread spent while it was awaited:
 * wall time also counts the time other processes held the cores (on a shared machine, tens of
 * milliseconds now and then), CPU time only the loop's own work, such as a decoder run on it.
 * The test's own work on this thread counts too, so the requests under test are best sent from
 * another thread (`startPredictClient`).
 */
export function probeHealthz(baseUrl: string): HealthzProbe {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: HealthzSample[] = [];
  let stopping = false;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const start = performance.now();
      const cpuStart = threadCpuMs();
      get(`${baseUrl}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`/healthz answered ${res.statusCode}`));
          const latencyMs = performance.now() - start;
          const cpuEnd = threadCpuMs();
          const loopCpuMs =
            cpuStart === undefined || cpuEnd === undefined ? latencyMs : cpuEnd - cpuStart;
          samples.push({ latencyMs, loopCpuMs });
          resolve();
        });
      }).on('error', reject);
    });
  const loop = (async () => {
    while (!stopping) await once();
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      agent.destroy();
      return samples;
    },
  };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

/**
 * This thread's CPU time in ms, from Linux's /proc: in nanoseconds from `schedstat` where the
 * kernel keeps it, else user + system time in 10 ms ticks from `stat` (a reading then errs by
 * up to a tick); undefined elsewhere.
 */
function threadCpuMs(): number | undefined {
  try {
    const [onCpuNs] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    const ms = Number(onCpuNs) / 1e6;
    if (Number.isFinite(ms)) return ms;
  } catch {
    // Kernels built without scheduler statistics; fall back to stat's ticks.
  }
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

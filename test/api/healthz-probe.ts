import { Agent, get } from 'node:http';

export interface HealthzProbe {
  /** Stops polling; resolves with each answer's latency in ms, in order. */
  stop(): Promise<number[]>;
}

/**
 * Polls `GET /healthz` at `baseUrl` over one kept-alive connection, each request sent the
 * moment the previous answer ends. The server shares this process' event loop, so anything
 * that holds the loop, between requests as much as during one, lengthens some answer's
 * latency: the largest latency is the longest the API could not answer.
 */
export function probeHealthz(baseUrl: string): HealthzProbe {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let stopping = false;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const start = performance.now();
      get(`${baseUrl}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`/healthz answered ${res.statusCode}`));
          latencies.push(performance.now() - start);
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
      return latencies;
    },
  };
}

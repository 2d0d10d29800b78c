// Load generator of the predict benchmark, in a process of its own as real callers are:
// `clients` concurrent loops POST one image each to the given URL until `requests` are
// done. Prints one JSON line: requests per second and latency percentiles.
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '../src/data/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    clients: { type: 'string', default: '1' },
    requests: { type: 'string', default: '400' },
  },
});
const clients = Number(values.clients);
const requests = Number(values.requests);
const { test } = await loadFashionMnist({ dataDir: 'data', download: false });
const bodies = Array.from({ length: 200 }, (_, i) =>
  JSON.stringify({ instances: [Array.from(test.images.subarray(i * 784, (i + 1) * 784))] }),
);

async function once(i: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(values.url as string, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodies[i % bodies.length],
  });
  if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return performance.now() - started;
}

for (let i = 0; i < 20; i++) await once(i);
const latencies: number[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (next < requests) latencies.push(await once(next++));
  }),
);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
process.stdout.write(
  `${JSON.stringify({ clients, requestsPerSecond: requests / seconds, p50ms: at(0.5), p99ms: at(0.99) })}\n`,
);

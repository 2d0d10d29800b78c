// Load generator of the predict benchmark, in a process of its own as real callers are:
// `clients` concurrent loops POST one image each to the given URL until `requests` are
// done, as tailor's `{"instances": [...]}` body or (`--body oip`) an Open Inference
// Protocol tensor. Prints one JSON line: requests per second and latency percentiles.
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '../src/data/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    clients: { type: 'string', default: '1' },
    requests: { type: 'string', default: '400' },
    // Send requests for this long instead of a number of them.
    seconds: { type: 'string' },
    // `tailor` (also TF Serving's row form) or `oip`: an FP32 [1, 784] tensor named `images`.
    body: { type: 'string', default: 'tailor' },
  },
});
if (values.body !== 'tailor' && values.body !== 'oip') {
  throw new Error(`--body is ${values.body}; expected tailor or oip`);
}
const clients = Number(values.clients);
const limit = values.seconds === undefined ? undefined : Number(values.seconds) * 1000;
const requests = limit === undefined ? Number(values.requests) : Number.POSITIVE_INFINITY;
const { test } = await loadFashionMnist({ dataDir: 'data', download: false });
const bodyOf = (pixels: number[]) =>
  values.body === 'oip'
    ? { inputs: [{ name: 'images', shape: [1, 784], datatype: 'FP32', data: pixels }] }
    : { instances: [pixels] };
const bodies = Array.from({ length: 200 }, (_, i) =>
  JSON.stringify(bodyOf(Array.from(test.images.subarray(i * 784, (i + 1) * 784)))),
);

// node:http on kept-alive connections, one per client: the cheapest caller Node has, so
// that the callers' own work takes as little as possible of the cores the server runs on.
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const url = new URL(values.url as string);

/** Requests sent, warm-up included: the server's batch counters see them all. */
let sent = 0;

function once(i: number): Promise<number> {
  sent++;
  const started = performance.now();
  const body = bodies[i % bodies.length] as string;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`predict answered ${res.statusCode}: ${Buffer.concat(chunks)}`));
          } else {
            resolve(performance.now() - started);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Warm-up at the level's own concurrency, so the server's code is compiled for it.
for (let round = 0; round < 10; round++) {
  await Promise.all(Array.from({ length: clients }, (_, i) => once(round * clients + i)));
}
const latencies: number[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (next < requests && (limit === undefined || performance.now() - started < limit)) {
      latencies.push(await once(next++));
    }
  }),
);
agent.destroy();
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
process.stdout.write(
  `${JSON.stringify({ clients, requestsPerSecond: latencies.length / seconds, p50ms: at(0.5), p99ms: at(0.99), sent })}\n`,
);

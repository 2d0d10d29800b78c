import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { blackPng, manyScanJpeg } from '../inference/support/hostile-images.js';
import { useDeployedApp } from './deployed-app.js';
import { type HealthzSample, probeHealthz } from './healthz-probe.js';
import { type PredictAnswer, type PredictRequest, startPredictClient } from './predict-client.js';

/**
 * Images whose decoding cost the pixel budget does not bound, sent over real HTTP to the API
 * with its default limits while `/healthz` is polled: the API must refuse them from their
 * headers, decode what it accepts off the event loop, and keep answering throughout.
 */
const deployed = useDeployedApp('decode-bounds');
const PREDICT = '/v1/models/model-a/predict';
/**
 * The bound on `/healthz` that issue 11 names, on the API's own account: the event loop's
 * CPU time while an answer was awaited. The requests under test are sent one at a time from
 * another thread (see `startPredictClient`), so that this time counts the API's work and the
 * probe's, never the client's. Wall time is also held to a bound (a frozen loop took 3 to
 * 120 s here), a generous one: on a shared machine other processes alone delay a bare
 * `/healthz` by 50 to 100 ms now and then.
 */
const HEALTHZ_MS = 50;
const HEALTHZ_WALL_MS = 1000;
/** First answers include the connection's setup and the route's first compilation. */
const WARM_UP = 5;

let base: string;

beforeAll(async () => {
  await deployed.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(deployed.app.server.address() as AddressInfo).port}`;
});

const form = (files: Buffer[]): PredictRequest => ({ files });
const json = (instances: Buffer[]): PredictRequest => ({ instances });

function expectError(res: PredictAnswer, status: number, code: string, message: RegExp) {
  expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(res.body.error).toMatchObject({ code, requestId: res.headers['x-request-id'] });
  expect(res.body.error.message).toMatch(message);
}

/** Sends the requests while polling `/healthz`; returns their answers and the probe's samples. */
async function whilePolling(requests: PredictRequest[]) {
  const client = await startPredictClient(`${base}${PREDICT}`, requests);
  const probe = probeHealthz(base);
  await delay(100);
  const answers = await client.send();
  await delay(100);
  const samples = (await probe.stop()).slice(WARM_UP);
  expect(samples.length).toBeGreaterThan(10);
  return { answers, samples };
}

function expectHealthzWithinBound(samples: HealthzSample[]) {
  const worstCpu = Math.max(...samples.map((sample) => sample.loopCpuMs));
  const worstWall = Math.max(...samples.map((sample) => sample.latencyMs));
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(', ');
  const seen = `${samples.length} answers, worst ${worstWall.toFixed(0)} ms wall and ${worstCpu.toFixed(0)} ms of the event loop's CPU time; load average ${load}`;
  expect(worstCpu, seen).toBeLessThan(HEALTHZ_MS);
  expect(worstWall, seen).toBeLessThan(HEALTHZ_WALL_MS);
}

describe('images whose decoding cost the pixel budget does not bound', () => {
  it('are refused from their headers with 413 naming the limit, and /healthz keeps answering', async () => {
    // 16,777,216 pixels: exactly the per-image budget, in one column.
    const tall = blackPng(1, 16_777_216);
    // One DC scan and 20,000 empty AC scans; a decoder visits all 262,144 blocks in each.
    const scans = manyScanJpeg(4096, 4096, 20_000);
    expect(tall.length).toBeLessThan(40_000);
    expect(scans.length).toBeLessThan(800_000); // some 730 KB, as the one reported

    const { answers, samples } = await whilePolling([
      form([tall, tall, tall, tall]),
      json([tall]),
      form([scans]),
      json([scans]),
    ]);
    const [tallForm, tallJson, scansForm, scansJson] = answers as PredictAnswer[];
    const side = /image declares 1x16777216; each side may be at most 4096 pixels/;
    expectError(tallForm as PredictAnswer, 413, 'IMAGE_TOO_LARGE', side);
    expect(tallForm?.body.error.message).toMatch(/^files\[0\]: /);
    expectError(tallJson as PredictAnswer, 413, 'IMAGE_TOO_LARGE', side);
    expect(tallJson?.body.error.message).toMatch(/^instances\[0\]: /);
    const scanLimit = /JPEG holds more than 100 scans, the limit/;
    expectError(scansForm as PredictAnswer, 413, 'IMAGE_TOO_COMPLEX', scanLimit);
    expectError(scansJson as PredictAnswer, 413, 'IMAGE_TOO_COMPLEX', scanLimit);
    expectHealthzWithinBound(samples);
  });
});

describe('large valid images', () => {
  it('are decoded off the event loop: /healthz answers within 50 ms while they are classified', async () => {
    // About half a second of pngjs each, and a second or more of jpeg-js.
    const png = blackPng(4096, 4096);
    const jpeg = manyScanJpeg(4096, 4096, 20);

    const { answers, samples } = await whilePolling([form([png, png, png, png]), json([jpeg])]);
    const [pngs, jpegs] = answers as PredictAnswer[];
    expect(pngs?.status, pngs?.text.slice(0, 300)).toBe(200);
    expect(pngs?.body.predictions).toHaveLength(4);
    expect(jpegs?.status, jpegs?.text.slice(0, 300)).toBe(200);
    expect(jpegs?.body.predictions).toHaveLength(1);
    expectHealthzWithinBound(samples);
  });
});

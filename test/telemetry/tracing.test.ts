import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedisPrefix } from '../store/redis-prefix.js';
import {
  deploymentEnv,
  startApi,
  startTailor,
  type TailorProcess,
} from '../support/tailor-process.js';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';

// `tailor serve` and `tailor worker` as an operator runs them, exporting to a real OTLP/HTTP
// receiver: a job's trace runs from the caller's request through the queue to the worker.
const { prefix } = useRedisPrefix('tracing');
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let api: Awaited<ReturnType<typeof startApi>>;
let worker: TailorProcess;
let dir: string;

// The caller's own trace, sent as a W3C traceparent.
const callerTrace = randomBytes(16).toString('hex');
const callerSpan = randomBytes(8).toString('hex');

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;
const ERROR = 2;

let jobId: string;
let modelId: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dir = await mkdtemp(join(tmpdir(), 'tailor-tracing-'));
  const env = deploymentEnv(prefix, dir, {
    TAILOR_BACKEND: 'wasm',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  });
  worker = startTailor('worker', env);
  api = await startApi(env);
  await worker.waitForLog((l) => l.msg === 'training worker started');

  const created = await fetch(`${api.url}/v1/training-jobs`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      traceparent: `00-${callerTrace}-${callerSpan}-01`,
    },
    body: JSON.stringify({
      model: { conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] },
      training: { epochs: 2, batchSize: 50, trainSize: 500, valSize: 200, testSize: 200 },
    }),
  });
  expect(created.status).toBe(202);
  jobId = ((await created.json()) as { id: string }).id;
  let job: { status: string; modelId?: string | null; error?: unknown } = { status: 'queued' };
  // Until it failed, or completed with its model: a GET at the moment the job completes can
  // read the job before its result is stored and its state after, 'completed' without a model.
  const over = () => job.status === 'failed' || (job.status === 'completed' && job.modelId);
  for (let i = 0; i < 1200 && !over(); i++) {
    await new Promise((r) => setTimeout(r, 250));
    job = (await (await fetch(`${api.url}/v1/training-jobs/${jobId}`)).json()) as typeof job;
  }
  expect(job, JSON.stringify(job.error)).toMatchObject({ status: 'completed' });
  modelId = String(job.modelId);

  const image = Array.from({ length: 784 }, (_, i) => (i % 28) / 28);
  const predicted = await fetch(`${api.url}/v1/models/${modelId}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [image, image, image] }),
  });
  expect(predicted.status, `${JSON.stringify(job)}: ${await predicted.clone().text()}`).toBe(200);
  const missing = await fetch(`${api.url}/v1/models/no-such-model/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [image] }),
  });
  expect(missing.status).toBe(404);
  await fetch(`${api.url}/healthz`);
  // A graceful stop sends the spans still batched.
  await Promise.all([api.stop(), worker.stop()]);
});

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

function only(match: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = receiver.spans.filter(match);
  expect(found, `${what} among ${receiver.spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0] as ReceivedSpan;
}

/** A span of the job's trace: its process, kind and parent, the job's and `more` attributes. */
function expectJobSpan(
  span: ReceivedSpan,
  [service, kind, parent]: [string, number, string],
  more: Record<string, unknown>,
) {
  expect(span).toMatchObject({
    service,
    kind,
    traceId: callerTrace,
    parentSpanId: parent,
    attributes: { 'messaging.message.id': jobId, 'tailor.job.epochs': 2, ...more },
  });
}

describe('a traced training job', () => {
  it('is one trace: the caller, the API request, the enqueue and the worker, each the parent of the next', () => {
    const request = only(
      (s) => s.name === 'POST /v1/training-jobs' && s.kind === SERVER,
      'the request span',
    );
    expect(request).toMatchObject({
      service: 'tailor-api',
      traceId: callerTrace,
      parentSpanId: callerSpan,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/v1/training-jobs',
        'http.response.status_code': 202,
        'url.path': '/v1/training-jobs',
      },
    });

    const send = only((s) => s.name === 'send training', 'the enqueue span');
    expectJobSpan(send, ['tailor-api', PRODUCER, request.spanId], {
      'messaging.system': 'bullmq',
      'messaging.destination.name': 'training',
    });
    const processing = only((s) => s.name === 'process training', 'the worker span');
    expectJobSpan(processing, ['tailor-worker', CONSUMER, send.spanId], {
      'tailor.job.attempt': 1,
      'tailor.job.status': 'completed',
    });
    expect(processing.status.code).not.toBe(ERROR);
    expect(processing.events.map((e) => [e.name, e.attributes.epoch])).toEqual([
      ['epoch', 1],
      ['epoch', 2],
    ]);
    expect(processing.events[0]?.attributes).toHaveProperty('val_acc');
  });

  it('gives predictions a span with the batch size and the model that answered', () => {
    const predictions = receiver.spans.filter((s) => s.name === 'predict');
    expect(predictions).toHaveLength(2);
    const request = only(
      (s) =>
        s.name === 'POST /v1/models/:id/predict' &&
        s.attributes['http.response.status_code'] === 200,
      'the predict request',
    );
    const served = predictions.find((s) => s.parentSpanId === request.spanId);
    expect(served).toMatchObject({
      traceId: request.traceId,
      attributes: {
        'tailor.predict.batch_size': 3,
        'tailor.model.requested': modelId,
        'tailor.model.id': modelId,
        'tailor.model.version': 1,
      },
    });
    // Without a traceparent the request starts a trace of its own.
    expect(request.parentSpanId).toBeUndefined();
    expect(request.traceId).not.toBe(callerTrace);
    const refused = predictions.find((s) => s !== served);
    expect(refused?.status.code).toBe(ERROR);
    expect(refused?.attributes['tailor.predict.batch_size']).toBe(1);
  });

  it('leaves probes out', () => {
    expect(receiver.spans.filter((s) => s.attributes['url.path'] === '/healthz')).toEqual([]);
  });
});

import { parentPort, workerData } from 'node:worker_threads';
import type { PredictAnswer, PredictClientSetup, PredictRequest } from './predict-client.js';

/** The client side of `startPredictClient`: says it is ready, then sends on the first message. */
const { url, requests } = workerData as PredictClientSetup;
const port = parentPort;
if (!port) throw new Error('predict-client-worker runs in a worker thread');

function body(request: PredictRequest): {
  body: FormData | string;
  headers: Record<string, string>;
} {
  if ('files' in request) {
    const form = new FormData();
    for (const [i, bytes] of request.files.entries()) {
      form.append('file', new Blob([bytes]), `image-${i}`);
    }
    return { body: form, headers: {} };
  }
  const instances = request.instances.map((bytes) => ({
    b64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  }));
  return { body: JSON.stringify({ instances }), headers: { 'content-type': 'application/json' } };
}

async function send(request: PredictRequest): Promise<PredictAnswer> {
  const res = await fetch(url, { method: 'POST', ...body(request) });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.startsWith('application/json');
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    text,
    body: isJson ? JSON.parse(text) : undefined,
  };
}

port.once('message', async () => {
  const answers: PredictAnswer[] = [];
  for (const request of requests) answers.push(await send(request));
  port.postMessage(answers);
});
port.postMessage('ready');

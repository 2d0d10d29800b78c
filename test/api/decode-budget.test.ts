import { setTimeout as delay } from 'node:timers/promises';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePng, imageAt, loadTestImages } from '../inference/support/fashion-images.js';
import { manyScanJpeg } from '../inference/support/hostile-images.js';
import { useDeployedApp } from './deployed-app.js';

/**
 * Predict's image decoding with a small time budget and queue: one decoding thread, 250 ms an
 * image, and room for two 4096x4096 images waiting.
 */
const TIMEOUT_MS = 250;
const deployed = useDeployedApp('decode-budget', {
  imageDecoding: { workers: 1, timeoutMs: TIMEOUT_MS, maxQueuedPixels: 2 * 4096 * 4096 },
});
const api = () => request(deployed.app.server);
const PREDICT = '/v1/models/model-a/predict';

let png: Buffer;
/** The most scans accepted over the largest image: a second or more of jpeg-js. */
let slow: Buffer;
beforeAll(async () => {
  png = encodePng(imageAt(await loadTestImages(), 0), 28, 28);
  slow = manyScanJpeg(4096, 4096, 99);
});

function expectError(res: request.Response, status: number, code: string, message: RegExp) {
  expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({ code, requestId: res.headers['x-request-id'] });
  expect(res.body.error.message).toMatch(message);
}

const BUDGET =
  /decoding took longer than the budget of 250 ms per image; send a smaller or simpler PNG or JPEG/;

// First in the file: the decoding thread is not started yet, which holds the first images
// in the queue while it starts, on top of their time budget.
describe('the decoding queue', () => {
  it('answers 503 with Retry-After while it is full, and numeric instances still pass', async () => {
    // Two slow images fill the queue: the one thread takes them one after the other, each
    // for its budget, and is started again after each.
    const first = api()
      .post(PREDICT)
      .attach('file', slow, 'slow.jpg')
      .then((res) => res);
    const second = api()
      .post(PREDICT)
      .send({ instances: [{ b64: slow.toString('base64') }] })
      .then((res) => res);
    await delay(200);
    const refused = await api().post(PREDICT).attach('file', slow, 'third.jpg');
    expectError(
      refused,
      503,
      'SERVICE_UNAVAILABLE',
      /^image decoding is at capacity \(33,554,432 pixels waiting, limit 33,554,432\); retry in 2 s$/,
    );
    expect(refused.headers['retry-after']).toBe('2');
    const numeric = await api()
      .post(PREDICT)
      .send({ instances: [Array.from({ length: 784 }, () => 0)] });
    expect(numeric.status, numeric.text.slice(0, 300)).toBe(200);
    expectError(await first, 413, 'IMAGE_TOO_COMPLEX', BUDGET);
    expectError(await second, 413, 'IMAGE_TOO_COMPLEX', BUDGET);
    const after = await api().post(PREDICT).attach('file', png, 'a.png');
    expect(after.status, after.text.slice(0, 300)).toBe(200);
  });
});

describe('the decoding time budget', () => {
  it('ends a decode that takes longer with 413 naming the budget; the next image is classified', async () => {
    const form = await api()
      .post(PREDICT)
      .attach('file', png, 'a.png')
      .attach('file', slow, 'b.jpg');
    expectError(form, 413, 'IMAGE_TOO_COMPLEX', /^files\[1\]: /);
    expectError(form, 413, 'IMAGE_TOO_COMPLEX', BUDGET);
    const json = await api()
      .post(PREDICT)
      .send({ instances: [{ b64: slow.toString('base64') }] });
    expectError(json, 413, 'IMAGE_TOO_COMPLEX', /^instances\[0\]: decoding took longer/);
    const next = await api().post(PREDICT).attach('file', png, 'a.png');
    expect(next.status, next.text.slice(0, 300)).toBe(200);
    expect(next.body.predictions).toHaveLength(1);
  });
});

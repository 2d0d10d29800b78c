import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IdxImages } from '../../src/data/idx.js';
import { imageAt, loadTestImages } from '../inference/support/fashion-images.js';
import { useDeployedApp } from './deployed-app.js';

const deployed = useDeployedApp('oip-api');
let set: IdxImages;
/** model-a is version 1; model-b, registered here, version 2. */
const MODEL_B_VERSION = '2';

beforeAll(async () => {
  set = await loadTestImages();
  await deployed.register('model-b', 2);
  await deployed.deps.models?.registry.setAlias('stable', 'model-a');
});

const server = () => deployed.app.server;
const images = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => imageAt(set, from + i));
const flat = (list: Uint8Array[]) => list.flatMap((image) => Array.from(image));
/** [N, 28, 28, 1] nested arrays of [0, 1] values. */
const nested = (list: Uint8Array[]) =>
  list.map((image) =>
    Array.from({ length: 28 }, (_, r) =>
      Array.from(image.subarray(r * 28, (r + 1) * 28), (v) => [v / 255]),
    ),
  );

/** tailor's own answer for the same images. */
async function tailorPredict(model: string, list: Uint8Array[]): Promise<number[][]> {
  const res = await request(server())
    .post(`/v1/models/${model}/predict`)
    .send({ instances: list.map((image) => Array.from(image)) })
    .expect(200);
  return (res.body.predictions as { probabilities: number[] }[]).map((p) => p.probabilities);
}

const tensor = (data: unknown, shape: unknown, extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'images', shape, datatype: 'FP32', data, ...extra }],
});

function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(Math.abs(value - (expected[i] as number))).toBeLessThan(1e-6);
  });
}

describe('Open Inference Protocol: health and metadata', () => {
  it('answers live and ready', async () => {
    expect((await request(server()).get('/v2/health/live').expect(200)).body).toEqual({
      live: true,
    });
    expect((await request(server()).get('/v2/health/ready').expect(200)).body).toEqual({
      ready: true,
    });
  });

  it('describes the server', async () => {
    const res = await request(server()).get('/v2').expect(200);
    expect(res.body).toEqual({ name: 'tailor', version: '0.0.0-test', extensions: [] });
  });

  it.each([
    ['/v2/models/model-b', 'model-b', MODEL_B_VERSION],
    ['/v2/models/model-b/versions/2', 'model-b', MODEL_B_VERSION],
    ['/v2/models/stable', 'stable', '1'],
  ])('describes a model at %s', async (path, name, version) => {
    const res = await request(server()).get(path).expect(200);
    expect(res.body).toEqual({
      name,
      versions: [version],
      platform: 'tensorflowjs',
      inputs: [{ name: 'images', datatype: 'FP32', shape: [-1, 28, 28, 1] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 10] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    });
  });

  it.each([
    '/v2/models/model-a/ready',
    '/v2/models/model-a/versions/1/ready',
    '/v2/models/stable/ready',
  ])('says %s is ready', async (path) => {
    const res = await request(server()).get(path).expect(200);
    expect(res.body.ready).toBe(true);
    expect(res.body.name).toBe(path.split('/')[3]);
  });

  it.each([
    ['/v2/models/nope', /no model or alias named 'nope'/],
    ['/v2/models/model-a/versions/7', /model 'model-a' has no version 7; it serves version 1/],
    ['/v2/models/nope/ready', /no model or alias named 'nope'/],
    ['/v2/models/model-b/versions/1/ready', /has no version 1/],
  ])('answers 404 with the protocol error for %s', async (path, message) => {
    const res = await request(server()).get(path).expect(404);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });
});

describe('Open Inference Protocol: infer', () => {
  it('answers what tailor predict answers, for [N, 784] flat data in [0, 255]', async () => {
    const list = images(8);
    const res = await request(server())
      .post('/v2/models/model-a/infer')
      .send({ id: 'req-1', ...tensor(flat(list), [8, 784]) })
      .expect(200);
    const expected = await tailorPredict('model-a', list);
    expect(res.body.model_name).toBe('model-a');
    expect(res.body.model_version).toBe('1');
    expect(res.body.id).toBe('req-1');
    const [probabilities, label] = res.body.outputs;
    expect(probabilities).toMatchObject({
      name: 'probabilities',
      shape: [8, 10],
      datatype: 'FP32',
    });
    expectClose(probabilities.data, expected.flat());
    const labels = expected.map((p) => p.indexOf(Math.max(...p)));
    expect(label).toEqual({ name: 'label', shape: [8], datatype: 'INT64', data: labels });
  });

  it('takes [N, 28, 28, 1] nested data in [0, 1] with the same answer', async () => {
    const list = images(4, 100);
    const res = await request(server())
      .post('/v2/models/model-a/versions/1/infer')
      .send(tensor(nested(list), [4, 28, 28, 1]))
      .expect(200);
    expect(res.body).not.toHaveProperty('id');
    expectClose(res.body.outputs[0].data, (await tailorPredict('model-a', list)).flat());
  });

  it('returns only the outputs asked for, in the order asked', async () => {
    const list = images(2, 200);
    const res = await request(server())
      .post('/v2/models/model-b/infer')
      .send({ ...tensor(flat(list), [2, 28, 28, 1]), outputs: [{ name: 'label' }] })
      .expect(200);
    expect(res.body.model_version).toBe(MODEL_B_VERSION);
    expect(res.body.outputs.map((o: { name: string }) => o.name)).toEqual(['label']);
    const expected = await tailorPredict('model-b', list);
    expect(res.body.outputs[0].data).toEqual(expected.map((p) => p.indexOf(Math.max(...p))));
  });

  it('serves an alias under its own name, with the version it points at', async () => {
    const list = images(3, 300);
    const res = await request(server())
      .post('/v2/models/stable/infer')
      .send({ ...tensor(flat(list), [3, 784]), outputs: [{ name: 'probabilities' }] })
      .expect(200);
    expect(res.body.model_name).toBe('stable');
    expect(res.body.model_version).toBe('1');
    expectClose(res.body.outputs[0].data, (await tailorPredict('model-a', list)).flat());
  });

  // Built before the data set loads: bad tensors need no real image.
  const one = Array.from({ length: 784 }, (_, i) => i % 256);
  it.each([
    [
      'a datatype other than FP32',
      tensor(one, [1, 784], { datatype: 'INT32' }),
      /datatype "INT32" is not accepted; send FP32/,
    ],
    [
      'another input name',
      { inputs: [{ name: 'x', shape: [1, 784], datatype: 'FP32', data: one }] },
      /unexpected input "x"; this model takes one input named 'images'/,
    ],
    [
      'a shape of another image size',
      tensor(one, [1, 27, 29, 1]),
      /shape \[1, 27, 29, 1\] is not accepted; send \[N, 28, 28, 1\] or \[N, 784\]/,
    ],
    ['a shape of 3 dimensions', tensor(one, [1, 28, 28]), /is not accepted/],
    [
      'data shorter than the shape',
      tensor(one.slice(1), [1, 784]),
      /holds 783 values; shape \[1, 784\] needs 784/,
    ],
    [
      'data longer than the shape',
      tensor([...one, ...one], [1, 784]),
      /holds 1568 values; shape \[1, 784\] needs 784/,
    ],
    [
      'nested data of the wrong length',
      tensor([one.slice(0, 700)], [1, 784]),
      /shape \[1, 784\] needs an array of 784 here/,
    ],
    [
      'a string where a number belongs',
      tensor(['NaN', ...one.slice(1)], [1, 784]),
      /value 0 is the string "NaN"; FP32 data must be JSON numbers/,
    ],
    ['null (JSON for NaN)', tensor([...one.slice(1), null], [1, 784]), /value 783 is null/],
    [
      'a value above 255',
      tensor([256, ...one.slice(1)], [1, 784]),
      /value 0 \(256\) is outside \[0, 255\]/,
    ],
    ['a negative value', tensor([-1, ...one.slice(1)], [1, 784]), /outside \[0, 255\]/],
    [
      'too many images',
      tensor(new Array(257 * 784).fill(0), [257, 784]),
      /holds 257 images; send 1 to 256 per request/,
    ],
    ['no images', tensor([], [0, 784]), /holds 0 images/],
    [
      'two input tensors',
      { inputs: [tensor(one, [1, 784]).inputs[0], tensor(one, [1, 784]).inputs[0]] },
      /expected 1 input tensor, 'images', got 2/,
    ],
    [
      'an unknown output',
      { ...tensor(one, [1, 784]), outputs: [{ name: 'logits' }] },
      /unexpected output "logits"; this model gives 'probabilities' and 'label'/,
    ],
    ['no inputs', {}, /inputs/],
    ['a non-integer shape', tensor(one, [1, 784.5]), /shape/],
  ])('answers 400 {"error"} to %s', async (_, body, message) => {
    const res = await request(server()).post('/v2/models/model-a/infer').send(body).expect(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });

  it('answers 400 {"error"} to a body that is not JSON', async () => {
    const res = await request(server())
      .post('/v2/models/model-a/infer')
      .set('content-type', 'application/json')
      .send('{"inputs": [')
      .expect(400);
    expect(Object.keys(res.body)).toEqual(['error']);
  });

  it.each([
    ['/v2/models/nope/infer', /no model or alias named 'nope'/],
    [
      '/v2/models/model-a/versions/2/infer',
      /model 'model-a' has no version 2; it serves version 1/,
    ],
  ])('answers 404 {"error"} at %s', async (path, message) => {
    const res = await request(server())
      .post(path)
      .send(tensor(one, [1, 784]))
      .expect(404);
    expect(res.body).toEqual({ error: expect.stringMatching(message) });
  });
});

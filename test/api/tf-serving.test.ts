import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IdxImages } from '../../src/data/idx.js';
import { imageAt, loadTestImages } from '../inference/support/fashion-images.js';
import { useDeployedApp } from './deployed-app.js';

const deployed = useDeployedApp('tf-serving-api');
let set: IdxImages;

beforeAll(async () => {
  set = await loadTestImages();
  await deployed.register('model-b', 2);
  await deployed.deps.models?.registry.setAlias('stable', 'model-a');
});

const server = () => deployed.app.server;
const images = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => Array.from(imageAt(set, from + i)));
/** 28 rows of 28 [value] cells in [0, 1], Keras' 28x28x1 layout. */
const keras = (image: number[]) =>
  Array.from({ length: 28 }, (_, r) => image.slice(r * 28, (r + 1) * 28).map((v) => [v / 255]));

async function tailorPredict(model: string, list: number[][]): Promise<number[][]> {
  const res = await request(server())
    .post(`/v1/models/${model}/predict`)
    .send({ instances: list })
    .expect(200);
  return (res.body.predictions as { probabilities: number[] }[]).map((p) => p.probabilities);
}

function expectRowsClose(actual: number[][], expected: number[][]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => {
    expect(row).toHaveLength(10);
    row.forEach((value, k) => {
      expect(Math.abs(value - (expected[i]?.[k] as number))).toBeLessThan(1e-6);
    });
  });
}

describe('TF Serving predict', () => {
  it('answers the row form with {"predictions"} equal to tailor predict', async () => {
    const list = images(8);
    const res = await request(server())
      .post('/v1/models/model-a:predict')
      .send({ signature_name: 'serving_default', instances: list })
      .expect(200);
    expect(Object.keys(res.body)).toEqual(['predictions']);
    expectRowsClose(res.body.predictions, await tailorPredict('model-a', list));
  });

  it('takes named instances in Keras layout and the columnar form', async () => {
    const list = images(3, 50);
    const expected = await tailorPredict('model-b', list);
    const named = await request(server())
      .post('/v1/models/model-b:predict')
      .send({ instances: list.map((image) => ({ images: keras(image) })) })
      .expect(200);
    expectRowsClose(named.body.predictions, expected);
    for (const inputs of [list, { images: list.map(keras) }]) {
      const res = await request(server())
        .post('/v1/models/model-b:predict')
        .send({ inputs })
        .expect(200);
      expect(Object.keys(res.body)).toEqual(['outputs']);
      expectRowsClose(res.body.outputs, expected);
    }
  });

  it('serves a version and a label that match, and an alias as a model name', async () => {
    const list = images(2, 70);
    const expected = await tailorPredict('model-a', list);
    for (const path of [
      '/v1/models/model-a/versions/1:predict',
      '/v1/models/model-a/labels/stable:predict',
      '/v1/models/stable:predict',
      '/v1/models/stable/labels/stable:predict',
    ]) {
      const res = await request(server()).post(path).send({ instances: list }).expect(200);
      expectRowsClose(res.body.predictions, expected);
    }
  });

  it("keeps tailor's own predict route and model resource beside it", async () => {
    await request(server())
      .post('/v1/models/model-a/predict')
      .send({ instances: images(1) })
      .expect(200);
    const res = await request(server()).get('/v1/models/model-a').expect(200);
    expect(res.body.id).toBe('model-a');
  });

  const one = Array.from({ length: 784 }, (_, i) => i % 256);
  it.each([
    [
      'another signature',
      { signature_name: 'classify', instances: [one] },
      /serving signature "classify" not found; this model serves only 'serving_default'/,
    ],
    [
      'both forms',
      { instances: [one], inputs: [one] },
      /either 'instances' \(row format\) or 'inputs' \(columnar format\), not both/,
    ],
    ['neither form', {}, /missing 'instances' \(row format\) or 'inputs' \(columnar format\)/],
    ['an image of the wrong size', { instances: [one.slice(1)] }, /instances\[0\]/],
    [
      'a string pixel',
      { instances: [['NaN', ...one.slice(1)]] },
      /instances\[0\].*pixels must be numbers/,
    ],
    [
      'a pixel above 255',
      { instances: [[300, ...one.slice(1)]] },
      /pixel value 300 .* is outside \[0, 255\]/,
    ],
    ['a columnar image of the wrong size', { inputs: [one.slice(2)] }, /^inputs\[0\]/],
    [
      'a b64 instance',
      { instances: [{ b64: 'aGVsbG8=' }] },
      /instances\[0\]: is an object; the input 'images' is DT_FLOAT/,
    ],
    [
      'too many instances',
      { instances: new Array(257).fill(one) },
      /holds 257 instances; send 1 to 256/,
    ],
    ['inputs that are not a list', { inputs: 3 }, /^inputs: is not a list of images/],
  ])('answers 400 {"error"} to %s', async (_, body, message) => {
    const res = await request(server()).post('/v1/models/model-a:predict').send(body).expect(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });

  it.each([
    ['/v1/models/nope:predict', /no model or alias named 'nope'/],
    [
      '/v1/models/model-a/versions/2:predict',
      /model 'model-a' has no version 2; it serves version 1/,
    ],
    ['/v1/models/model-b/labels/stable:predict', /label 'stable' of model 'model-b' not found/],
    ['/v1/models/model-a/labels/nope:predict', /no model or alias named 'nope'/],
  ])('answers 404 {"error"} at %s', async (path, message) => {
    const res = await request(server())
      .post(path)
      .send({ instances: [one] })
      .expect(404);
    expect(res.body).toEqual({ error: expect.stringMatching(message) });
  });
});

describe('TF Serving model status and metadata', () => {
  it.each(['/v1/models/model-b/versions/2', '/v1/models/stable/labels/stable'])(
    'answers the status of %s',
    async (path) => {
      const res = await request(server()).get(path).expect(200);
      expect(res.body).toEqual({
        model_version_status: [
          {
            version: path.includes('model-b') ? '2' : '1',
            state: 'AVAILABLE',
            status: { error_code: 'OK', error_message: '' },
          },
        ],
      });
    },
  );

  it.each([
    '/v1/models/model-a/metadata',
    '/v1/models/model-a/versions/1/metadata',
    '/v1/models/model-a/labels/stable/metadata',
  ])('answers the serving signature at %s', async (path) => {
    const res = await request(server()).get(path).expect(200);
    const dims = (sizes: number[]) => sizes.map((size) => ({ size: String(size), name: '' }));
    expect(res.body).toEqual({
      model_spec: { name: 'model-a', signature_name: '', version: '1' },
      metadata: {
        signature_def: {
          signature_def: {
            serving_default: {
              inputs: {
                images: {
                  dtype: 'DT_FLOAT',
                  tensor_shape: { dim: dims([-1, 28, 28, 1]), unknown_rank: false },
                  name: 'images:0',
                },
              },
              outputs: {
                probabilities: {
                  dtype: 'DT_FLOAT',
                  tensor_shape: { dim: dims([-1, 10]), unknown_rank: false },
                  name: 'probabilities:0',
                },
              },
              method_name: 'tensorflow/serving/predict',
            },
          },
        },
      },
    });
  });

  it.each([
    '/v1/models/model-a/versions/9',
    '/v1/models/nope/metadata',
    '/v1/models/model-b/labels/stable',
    '/v1/models/model-a/versions/3/metadata',
  ])('answers 404 {"error"} at %s', async (path) => {
    const res = await request(server()).get(path).expect(404);
    expect(Object.keys(res.body)).toEqual(['error']);
  });
});

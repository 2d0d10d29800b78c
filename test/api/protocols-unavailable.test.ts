import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useDeployedApp } from './deployed-app.js';

// An API process without a predictor: the registry answers, prediction does not.
const deployed = useDeployedApp('oip-down', { predictor: undefined });
const image = Array.from({ length: 784 }, () => 0);

describe('standard protocols without a predictor', () => {
  it('answers not ready: the server and the model', async () => {
    const server = await request(deployed.app.server).get('/v2/health/ready').expect(503);
    expect(server.body).toEqual({ ready: false });
    const model = await request(deployed.app.server).get('/v2/models/model-a/ready').expect(503);
    expect(model.body).toEqual({ name: 'model-a', ready: false });
    await request(deployed.app.server).get('/v2/health/live').expect(200);
  });

  it.each([
    [
      '/v2/models/model-a/infer',
      { inputs: [{ name: 'images', shape: [1, 784], datatype: 'FP32', data: image }] },
    ],
    ['/v1/models/model-a:predict', { instances: [image] }],
  ])('answers 503 {"error"} with Retry-After at %s', async (path, body) => {
    const res = await request(deployed.app.server).post(path).send(body).expect(503);
    expect(res.body).toEqual({ error: 'prediction is not available on this instance' });
    expect(res.headers['retry-after']).toBe('5');
  });
});

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BMP_BYTES,
  GIF_BYTES,
  jpegHeaderDeclaring,
  pngDeclaring,
  TEXT_BYTES,
  WEBP_BYTES,
} from '../inference/support/crafted-bytes.js';
import {
  encodeJpeg,
  encodePng,
  imageAt,
  loadTestImages,
} from '../inference/support/fashion-images.js';
import { useDeployedApp } from './deployed-app.js';

const MB = 1024 * 1024;
const deployed = useDeployedApp('hostile', {
  datasetRoutes: { limits: { fileSize: MB } },
});
const api = () => request(deployed.app.server);
const PREDICT = '/v1/models/model-a/predict';

let png: Buffer;
let jpg: Buffer;

beforeAll(async () => {
  const garment = imageAt(await loadTestImages(), 0);
  png = encodePng(garment, 28, 28);
  jpg = encodeJpeg(garment, 28, 28);
});

/** The API's one error format, with the id the response was sent under. */
function expectError(res: request.Response, status: number, code: string, message?: RegExp) {
  expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({
    code,
    message: expect.any(String),
    requestId: res.headers['x-request-id'],
  });
  if (message) expect(res.body.error.message).toMatch(message);
}

const b64 = (bytes: Uint8Array, prefix = '') => ({
  b64: `${prefix}${Buffer.from(bytes).toString('base64')}`,
});

describe('body and upload limits', () => {
  it('refuses JSON bodies over the route limit with 413 naming the limit', async () => {
    const predictBody = `{"instances": ["${'a'.repeat(16 * MB)}"]}`;
    const big = await api().post(PREDICT).set('content-type', 'application/json').send(predictBody);
    expectError(big, 413, 'PAYLOAD_TOO_LARGE', /larger than 16 MB, the limit of this route/);

    const job = await api()
      .post('/v1/training-jobs')
      .set('content-type', 'application/json')
      .send(`{"dataset": "${'a'.repeat(MB)}"}`);
    expectError(job, 413, 'PAYLOAD_TOO_LARGE', /larger than 1 MB, the limit of this route/);
  });

  it('refuses uploads over 16 MB in total, and too many form fields, with 413', async () => {
    const chunk = Buffer.alloc(4.5 * MB);
    chunk.set(png);
    let form = api().post(PREDICT);
    for (let i = 0; i < 4; i++) form = form.attach('file', chunk, `part-${i}.png`);
    expectError(await form, 413, 'PAYLOAD_TOO_LARGE', /files total more than 16 MB/);

    let fields = api().post(PREDICT).attach('file', png, 'a.png');
    for (let i = 0; i < 5; i++) fields = fields.field('invert', 'auto');
    expectError(await fields, 413, 'PAYLOAD_TOO_LARGE', /too many form fields/);
  });

  it('refuses data set uploads with too many files, fields or bytes with 413', async () => {
    let files = api().post('/v1/datasets');
    for (const part of ['trainImages', 'trainLabels', 'testImages', 'testLabels', 'train']) {
      files = files.attach(part, Buffer.from('x'), `${part}.bin`);
    }
    expectError(await files, 413, 'PAYLOAD_TOO_LARGE', /too many files/);

    let fields = api().post('/v1/datasets');
    for (let i = 0; i < 5; i++) fields = fields.field('name', `n${i}`);
    expectError(await fields, 413, 'PAYLOAD_TOO_LARGE', /too many form fields/);

    const big = await api()
      .post('/v1/datasets')
      .attach('train', Buffer.alloc(MB + 1, 0x30), 'train.csv');
    expectError(big, 413, 'PAYLOAD_TOO_LARGE', /an uploaded file is larger than 1 MB/);
  });

  it.each(['/v1/predict', PREDICT, '/v1/datasets'])(
    'answers 400, not 500, to a malformed multipart body on %s',
    async (url) => {
      const noBoundary = await api()
        .post(url)
        .set('content-type', 'multipart/form-data')
        .send('--x\r\n');
      expectError(noBoundary, 400, 'BAD_REQUEST', /multipart form is malformed/);
      const cutInPart = await api()
        .post(url)
        .set('content-type', 'multipart/form-data; boundary=XX')
        .send('--XX\r\nContent-Disposition: form-data; name="train"; filename="a"\r\n\r\nabc');
      expectError(cutInPart, 400, 'BAD_REQUEST', /unexpected end of multipart data/i);
      const garbage = await api()
        .post(url)
        .set('content-type', 'multipart/form-data; boundary=XX')
        .send('not a form at all');
      expectError(garbage, 400, 'BAD_REQUEST', /multipart form is malformed/);
      const notJson = await api()
        .post(url)
        .set('content-type', 'multipart/form-data; boundary=XX')
        .send(
          '--XX\r\nContent-Disposition: form-data; name="invert"\r\n' +
            'Content-Type: application/json\r\n\r\n{nope\r\n--XX--\r\n',
        );
      expectError(notJson, 400, 'BAD_REQUEST', /declared as application\/json is not JSON/);
    },
  );
});

// Decoding happens in worker threads; these messages come only from the header checks,
// which run before an image is queued for decoding (a decoded bomb fails otherwise).
describe('declared image size', () => {
  const HUGE = /image declares 20000x20000 \(400,000,000 pixels\), more than the limit/;

  it('refuses a PNG and a JPEG declaring 20000x20000 from the header, never decoding', async () => {
    const bombs = [pngDeclaring(20_000, 20_000), jpegHeaderDeclaring(20_000, 20_000)];
    for (const bomb of bombs) {
      expect(bomb.length).toBeLessThan(100);
      const upload = await api().post(PREDICT).attach('file', bomb, 'small.png');
      expectError(upload, 413, 'IMAGE_TOO_LARGE', HUGE);
      const json = await api()
        .post(PREDICT)
        .send({ instances: [b64(bomb)] });
      expectError(json, 413, 'IMAGE_TOO_LARGE', HUGE);
    }
  });

  it('refuses images within the per-image limit whose total is over the request limit', async () => {
    const full = pngDeclaring(4096, 4096);
    let form = api().post(PREDICT);
    for (let i = 0; i < 5; i++) form = form.attach('file', full, `full-${i}.png`);
    expectError(await form, 413, 'IMAGE_TOO_LARGE', /the 5 images declare 83,886,080 pixels/);
    const json = await api()
      .post(PREDICT)
      .send({ instances: Array.from({ length: 5 }, () => b64(full)) });
    expectError(json, 413, 'IMAGE_TOO_LARGE', /in total, more than the limit of 67,108,864/);
  });
});

describe('image formats, detected by content', () => {
  it('classifies PNG and JPEG bytes whatever type or name they are sent under', async () => {
    const form = api()
      .post(PREDICT)
      .attach('file', png, { filename: 'a.jpg', contentType: 'image/jpeg' })
      .attach('file', png, { filename: 'a.bin', contentType: 'application/octet-stream' })
      .attach('file', jpg, { filename: 'a.png', contentType: 'image/png' });
    expect((await form.expect(200)).body.predictions).toHaveLength(3);
    const json = await api()
      .post(PREDICT)
      .send({
        instances: [b64(png, 'data:image/gif;base64,'), b64(jpg, 'data:text/plain;base64,')],
      })
      .expect(200);
    expect(json.body.predictions).toHaveLength(2);
  });

  it.each([
    ['GIF', GIF_BYTES, /^files\[0\]: GIF images are not supported; send a PNG or JPEG/],
    ['BMP', BMP_BYTES, /^files\[0\]: BMP images are not supported/],
    ['WebP', WEBP_BYTES, /^files\[0\]: WebP images are not supported/],
    ['text', TEXT_BYTES, /^files\[0\]: this content is not supported/],
  ])(
    'refuses %s sent as image/png with 415, by upload and as b64',
    async (_name, bytes, message) => {
      const upload = await api()
        .post(PREDICT)
        .attach('file', bytes, { filename: 'a.png', contentType: 'image/png' });
      expectError(upload, 415, 'IMAGE_NOT_SUPPORTED', message);
      const json = await api()
        .post(PREDICT)
        .send({ instances: [b64(bytes, 'data:image/png;base64,')] });
      expectError(json, 415, 'IMAGE_NOT_SUPPORTED', /^instances\[0\]: /);
    },
  );
});

describe('hostile ids', () => {
  const ROUTES = [
    (id: string) => api().get(`/v1/models/${id}`),
    (id: string) =>
      api()
        .post(`/v1/models/${id}/predict`)
        .send({ instances: [[0]] }),
    (id: string) => api().get(`/v1/training-jobs/${id}`),
    (id: string) => api().get(`/v1/datasets/${id}`),
  ];
  const IDS = [
    '..%2F..%2Fetc%2Fpasswd',
    '..%2f..%2fx',
    '%2e%2e',
    '..',
    '.tmp-x',
    '%00',
    'model-a%00',
    'a%0Ab',
    '%252e%252e%252f',
    '%C3%A9t%C3%A9',
    '%E2%80%AEmodel',
    'x'.repeat(65),
    'x'.repeat(100),
  ];

  it.each(IDS)('answers %s on every id route with 400 or 404 in the error format', async (id) => {
    for (const [k, route] of ROUTES.entries()) {
      const res = await route(id);
      expect([400, 404], `route ${k} answered ${res.status}`).toContain(res.status);
      expectError(res, res.status, res.body.error?.code);
      expect(res.body.error.message).toMatch(/id|not found|no training job|must match/i);
      expect(res.text).not.toContain(deployed.modelDir);
    }
  });

  it('never routes a path with traversal segments to an id route', async () => {
    for (const url of ['/v1/models/../../etc/passwd', '/v1/datasets/../../../etc/passwd']) {
      expectError(await api().get(url), 404, 'NOT_FOUND', /^no route for GET /);
    }
  });

  it('refuses ids longer than the router allows, and broken %-encodings, in the error format', async () => {
    // fastify's router refuses these before any hook; `frameworkErrors` (error-handler.ts)
    // answers in the API's format instead of fastify's, without echoing the path.
    for (const url of [`/v1/models/${'x'.repeat(101)}`, '/v1/datasets/%E0%A4%A']) {
      expectError(await api().get(url), 400, 'BAD_REQUEST');
    }
  });

  it('is refused by the stores themselves too', async () => {
    const { models, datasets } = deployed.deps;
    for (const id of ['../../etc/passwd', '..', 'a\u0000b', 'é', 'x'.repeat(65)]) {
      await expect(models?.store.open(id)).rejects.toMatchObject({ code: 'INVALID_ID' });
      await expect(models?.registry.resolve(id)).rejects.toMatchObject({ code: 'INVALID_ID' });
      await expect(datasets?.source(id)).rejects.toMatchObject({ code: 'INVALID_ID' });
    }
  });
});

describe('client-supplied URLs', () => {
  it('are never fetched: no fetch or http client in the API or inference sources', async () => {
    const OUTBOUND = [
      /\bfetch\s*\(/,
      /\bhttps?\.(get|request)\s*\(/,
      /^import\s+(?!type\b)[^;]*from\s+['"](node:)?https?['"]/m,
      /from\s+['"](undici|axios|node-fetch|got)['"]/,
    ];
    const files: string[] = [];
    for (const root of ['src/api', 'src/inference']) {
      const entries = await readdir(root, { recursive: true });
      files.push(...entries.filter((name) => name.endsWith('.ts')).map((name) => join(root, name)));
    }
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const source = await readFile(file, 'utf8');
      for (const pattern of OUTBOUND)
        expect(source, `${file} matches ${pattern}`).not.toMatch(pattern);
    }
  });

  it('are refused with 400 as instances, and the server they name hears nothing', async () => {
    let hits = 0;
    const target = createServer((_req, res) => {
      hits++;
      res.end(png);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const address = target.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/a.png`;
    try {
      for (const instances of [
        [{ b64: url }],
        [url],
        [{ b64: 'https://example.com/a.png' }],
        [{ b64: 'file:///etc/passwd' }],
      ]) {
        const res = await api().post('/v1/predict').send({ instances });
        expectError(
          res,
          400,
          'INSTANCE_INVALID',
          /^instances\[0\](\.b64)?: is a URL; images are never fetched/,
        );
      }
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => target.close(resolve));
    }
  });
});

describe('a stored model whose files were changed', () => {
  it('is refused with 500 MODEL_INTEGRITY, no internals, and the API keeps serving', async () => {
    await deployed.register('model-tampered', 2);
    const weights = join(deployed.modelDir, 'model-tampered', 'weights.bin');
    const bytes = await readFile(weights);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await writeFile(weights, bytes);

    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await api()
        .post('/v1/models/model-tampered/predict')
        .send({ instances: [Array(784).fill(0)] });
      expectError(res, 500, 'MODEL_INTEGRITY', /failed its integrity check/);
      expect(res.text).not.toMatch(/weights\.bin|sha256|manifest/);
      expect(res.text).not.toContain(deployed.modelDir);
    }
    await api().get('/healthz').expect(200, { status: 'ok' });
    const healthy = await api()
      .post(PREDICT)
      .send({ instances: [Array(784).fill(0)] })
      .expect(200);
    expect(healthy.body.model.id).toBe('model-a');
  });
});

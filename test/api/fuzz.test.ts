import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegHeaderDeclaring, pngDeclaring } from '../inference/support/crafted-bytes.js';
import {
  encodeJpeg,
  encodePng,
  imageAt,
  loadTestImages,
  upscaleNearest,
} from '../inference/support/fashion-images.js';
import { useDeployedApp } from './deployed-app.js';

// Random and malformed input against the API as deployed (a real model, Redis, stores on
// disk). Whatever a client sends, the answer must be a 2xx or a 4xx in the error format, and
// the process must stay up. FUZZ_SEED=<n> replays a run; the seed and the cases run per
// property are printed at the end. Case counts below are per unit of FUZZ_SCALE.

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** FUZZ_SCALE=10 runs ten times the cases, for a longer hunt than the suite's. */
const SCALE = Number(process.env.FUZZ_SCALE ?? 10);
const deployed = useDeployedApp('fuzz');
const api = () => request(deployed.app.server);

const POST_ROUTES = [
  '/v1/training-jobs',
  '/v1/predict',
  '/v1/models/model-a/predict',
  '/v1/datasets',
];
const PREDICT_ROUTES = ['/v1/predict', '/v1/models/model-a/predict'];
const ID_ROUTES: ((id: string) => request.Test)[] = [
  (id) => api().get(`/v1/models/${id}`),
  (id) =>
    api()
      .post(`/v1/models/${id}/predict`)
      .send({ instances: [Array(784).fill(0)] }),
  (id) => api().get(`/v1/training-jobs/${id}`),
  (id) => api().get(`/v1/datasets/${id}`),
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=zz',
  'image/png',
  'application/json; boundary="',
  ';;;',
];

const stats = { requests: 0, byStatus: new Map<number, number>() };
const cases: Record<string, number> = {};
const started = performance.now();
/** Real Fashion-MNIST images as PNG and JPEG, 28x28 and 112x112: the bytes to damage. */
let seeds: Buffer[] = [];

beforeAll(async () => {
  const set = await loadTestImages();
  const garment = imageAt(set, 3);
  const large = upscaleNearest(garment, 28, 4);
  seeds = [
    encodePng(garment, 28, 28),
    encodeJpeg(garment, 28, 28),
    encodePng(large, 112, 112),
    encodeJpeg(large, 112, 112, 80),
  ];
});

afterAll(() => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const perProperty = Object.entries(cases)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const statuses = [...stats.byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}x${count}`)
    .join(' ');
  console.log(
    `fuzz seed ${SEED}: cases per property: ${perProperty}; ${stats.requests} requests (${statuses}), ${seconds} s`,
  );
});

/** Sends one request and checks the answer: never a 5xx; a 4xx always in the error format. */
async function check(req: request.Test, what: string): Promise<request.Response> {
  const res = await req;
  stats.requests++;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  const context = `${what} -> ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, context).toBeLessThan(500);
  if (res.status < 400) return res;
  expect(res.headers['content-type'], context).toMatch(/^application\/json/);
  const { error, ...rest } = res.body as { error?: Record<string, unknown> };
  expect(rest, context).toEqual({});
  expect(error, context).toMatchObject({
    code: expect.stringMatching(/^[A-Z][A-Z_]+$/),
    message: expect.any(String),
    requestId: res.headers['x-request-id'],
  });
  const { code: _c, message: _m, requestId: _r, details, ...extra } = error ?? {};
  expect(extra, context).toEqual({});
  if (details !== undefined) expect(Array.isArray(details), context).toBe(true);
  return res;
}

/** Runs a property, counting its cases, then checks the process still answers. */
async function fuzz<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  numRuns: number,
  run: (value: T) => Promise<unknown>,
) {
  cases[name] = 0;
  await fc.assert(
    fc.asyncProperty(arb, async (value) => {
      cases[name] = (cases[name] ?? 0) + 1;
      await run(value);
    }),
    { numRuns: Math.round(numRuns * SCALE), seed: SEED },
  );
  await api().get('/healthz').expect(200, { status: 'ok' });
}

const postRoute = fc.constantFrom(...POST_ROUTES);
const predictRoute = fc.constantFrom(...PREDICT_ROUTES);

/** Bodies shaped like the routes' own, so values reach the handlers and not only the schemas. */
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      instances: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }),
      invert: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: ['instances'] },
  ),
  fc.record({
    instances: fc.array(
      fc.oneof(
        fc.array(fc.double(), { minLength: 784, maxLength: 784 }),
        fc.array(fc.array(fc.integer({ min: -1, max: 300 }), { minLength: 28, maxLength: 28 }), {
          minLength: 28,
          maxLength: 28,
        }),
        fc.record({ b64: fc.string({ maxLength: 64 }) }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record(
    {
      dataset: fc.oneof(fc.constantFrom('fashion-mnist', 'ds-0000'), fc.jsonValue({ maxDepth: 1 })),
      model: fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record({
          conv: fc.array(
            fc.dictionary(
              fc.constantFrom('pad', 'channels', 'filter', 'stride', 'pool', 'activation'),
              fc.oneof(fc.integer({ min: -2, max: 100 }), fc.string({ maxLength: 6 })),
            ),
            { maxLength: 4 },
          ),
          dense: fc.array(
            fc.dictionary(
              fc.constantFrom('neurons', 'dropout', 'activation'),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            { maxLength: 3 },
          ),
        }),
      ),
      training: fc.dictionary(
        fc.constantFrom(
          'epochs',
          'batchSize',
          'optimizer',
          'learningRate',
          'seed',
          'testPerClass',
          'trainSize',
          'maxRunSeconds',
        ),
        fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.constant(null)),
      ),
    },
    { requiredKeys: [] },
  ),
);

/** Text that is not valid JSON, or JSON at the edges of what parsers take. */
const malformedJson = fc.oneof(
  fc
    .tuple(fc.json({ maxDepth: 4 }), fc.nat())
    .map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length))),
  fc
    .tuple(
      fc.constantFrom('[', '{"instances":', '{"model":', '{"a":['),
      fc.integer({ min: 100, max: 50_000 }),
    )
    .map(
      ([open, depth]) =>
        `${open.repeat(depth)}1${(open.startsWith('{') ? '}' : ']').repeat(depth)}`,
    ),
  fc
    .constantFrom(
      'NaN',
      'Infinity',
      '-Infinity',
      'undefined',
      '1e999',
      '-1e999',
      '0x10',
      "{'a':1}",
      '{"a":1,}',
      '[1,]',
      '\u0000',
      '\ufeff{}',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{}}}',
    )
    .map((v) => `{"instances": [${v}], "training": {"epochs": ${v}}}`),
  fc
    .integer({ min: 300, max: 5000 })
    .map(
      (digits) =>
        `{"instances": [[${'9'.repeat(digits)}]], "training": {"epochs": 1${'0'.repeat(digits)}}}`,
    ),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
    .map(
      ([a, b]) =>
        `{"instances": ${JSON.stringify(a)}, "instances": ${JSON.stringify(b)}, "training": {}, "training": ${JSON.stringify(b)}}`,
    ),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** A seed image: cut short, bytes overwritten, or both. */
const damagedImage = (mode: 'truncate' | 'corrupt') =>
  fc
    .tuple(
      fc.nat({ max: 3 }),
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
    )
    .map(([k, cut, edits]) => {
      const bytes = Buffer.from(seeds[k] as Buffer);
      if (mode === 'corrupt') {
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        return bytes;
      }
      return bytes.subarray(0, cut % bytes.length);
    });

/** Random bytes, sometimes behind an image signature so they reach the header parsers. */
const randomImage = fc
  .tuple(
    fc.constantFrom(
      [],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      [0xff, 0xd8, 0xff],
      [0xff, 0xd8, 0xff, 0xc0],
    ),
    fc.uint8Array({ maxLength: 2048 }),
  )
  .map(([signature, rest]) => Buffer.concat([Buffer.from(signature), rest]));

/** Sends images as a form (with random names and types) or as b64 instances. */
const imageRequest = (images: fc.Arbitrary<Buffer>) =>
  fc.record({
    route: predictRoute,
    images: fc.array(images, { minLength: 1, maxLength: 3 }),
    asForm: fc.boolean(),
    type: fc.constantFrom(
      'image/png',
      'image/jpeg',
      'image/gif',
      'application/octet-stream',
      'text/plain',
    ),
    invert: fc.constantFrom(undefined, 'auto', 'true', 'false', 'maybe'),
  });

interface ImageRequest {
  route: string;
  images: Buffer[];
  asForm: boolean;
  type: string;
  invert: string | undefined;
}

const INVERT_JSON: Record<string, unknown> = {
  auto: 'auto',
  true: true,
  false: false,
  maybe: 'maybe',
};

async function sendImages({ route, images, asForm, type, invert }: ImageRequest, what: string) {
  if (asForm) {
    let form = api().post(route);
    images.forEach((bytes, i) => {
      form = form.attach('file', bytes, { filename: `image-${i}.png`, contentType: type });
    });
    if (invert !== undefined) form = form.field('invert', invert);
    return check(form, `${what} form`);
  }
  const instances = images.map((bytes) => ({ b64: bytes.toString('base64') }));
  const body = invert === undefined ? { instances } : { instances, invert: INVERT_JSON[invert] };
  return check(api().post(route).send(body), `${what} b64`);
}

/** Path segments as a client may send them: traversal, encodings (valid or not), unicode, length. */
const hostileId = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '..',
          '.',
          '/',
          '%2F',
          '%2f',
          '%2e',
          '%2E%2E',
          '%00',
          '%0A',
          '%0D',
          '%20',
          '%',
          '%zz',
          '%E0%A4%A',
          '%C3%A9',
          '%E2%80%AE',
          '%F0%9F%92%A9',
          '%252e',
          '\\',
          '%5C',
          '~',
          ':',
          '@',
          ';',
          '*',
          '$',
          '{',
          '|',
          '^',
          '`',
          "'",
          'con',
          'nul',
          'model-a',
          'default',
          'fashion-mnist',
          '1',
          '-',
          '_',
        ),
        fc.string({ maxLength: 12 }).map(encodeURIComponent),
        fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent),
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((parts) => parts.join('')),
  fc.integer({ min: 60, max: 400 }).map((length) => 'a'.repeat(length)),
);

/** Multipart bodies built by hand: wrong or missing boundaries, headers, cut anywhere. */
const rawForm = fc
  .record({
    route: fc.constantFrom(
      '/v1/predict',
      '/v1/models/model-a/predict',
      '/v1/datasets',
      '/v1/training-jobs',
    ),
    boundary: fc.constantFrom('zz', 'X'.repeat(70), '----x', 'a b', ''),
    declared: fc.constantFrom('same', 'other', 'missing', 'quoted'),
    parts: fc.array(
      fc.record({
        name: fc.constantFrom(
          'file',
          'invert',
          'train',
          'test',
          'trainImages',
          'name',
          '__proto__',
          '',
        ),
        filename: fc.option(fc.constantFrom('a.png', 'a.csv', '', '../../etc/passwd')),
        data: fc.oneof(
          fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
          fc.constantFrom(Buffer.from('auto'), Buffer.from('label,pixel1\n0,0\n')),
        ),
        header: fc.constantFrom(
          '',
          'Content-Type: image/png\r\n',
          'Content-Type: application/json\r\n',
          'X-Junk: \u00ff\r\n',
          'Content-Disposition: form-data\r\n',
        ),
      }),
      { maxLength: 4 },
    ),
    cut: fc.option(fc.nat()),
  })
  .map(({ route, boundary, declared, parts, cut }) => {
    const chunks = parts.map(({ name, filename, data, header }) => {
      const file = filename === null ? '' : `; filename="${filename}"`;
      return Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n${header}\r\n`,
          'latin1',
        ),
        data,
        Buffer.from('\r\n'),
      ]);
    });
    const whole = Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]);
    const body = cut === null ? whole : whole.subarray(0, cut % (whole.length + 1));
    const type = {
      same: `multipart/form-data; boundary=${boundary}`,
      other: 'multipart/form-data; boundary=other',
      missing: 'multipart/form-data',
      quoted: `multipart/form-data; boundary="${boundary}"`,
    }[declared];
    return { route, type, body };
  });

/** Sizes from sensible to absurd: what a careless or hostile caller puts in a spec. */
const size = fc.oneof(
  fc.integer({ min: 1, max: 64 }),
  fc.constantFrom(0, -1, 1e9, 2 ** 31, 2 ** 53, 1e308, 1.5, 65_537),
);

/** Model specs of every size, as a training job or as a tuning job's base model and space. */
const sizedJob = fc
  .record({
    tuning: fc.boolean(),
    conv: fc.array(fc.record({ channels: size, pool: fc.constantFrom(1, 2, 3) }), {
      maxLength: 40,
    }),
    dense: fc.array(fc.record({ neurons: size }), { maxLength: 40 }),
    inputShape: fc.option(fc.tuple(size, size, fc.constantFrom(1, 3, 100_000))),
    numClasses: fc.option(size),
    batchSize: fc.option(size),
  })
  .map(({ tuning, conv, dense, inputShape, numClasses, batchSize }) => {
    const model = {
      conv,
      dense: [...dense, {}],
      ...(inputShape && { inputShape }),
      ...(numClasses !== null && { numClasses }),
    };
    const training = { epochs: 1, trainSize: 100, ...(batchSize !== null && { batchSize }) };
    return tuning
      ? {
          route: '/v1/tuning-jobs',
          body: {
            model,
            training,
            space: { neurons: { values: [dense[0]?.neurons ?? 8, 2 ** 40] } },
            budget: { trials: 2 },
          },
        }
      : { route: '/v1/training-jobs', body: { model, training } };
  });

/** Paging values as they come in a URL: huge, negative, fractional, not numbers at all. */
const pageValue = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('99999999999999999999', '-1', '1.5', '1e400', 'NaN', '', '0x10', '%00'),
);

/** Cursors: random text, and cursor-shaped values of times and ids that were never handed out. */
const cursorValue = fc.oneof(
  fc.string({ maxLength: 200 }).map(encodeURIComponent),
  fc
    .tuple(fc.oneof(fc.nat(), fc.constant(1e20), fc.constant(-1)), fc.string({ maxLength: 80 }))
    .map(([at, id]) => Buffer.from(`${at}.${id}`).toString('base64url')),
);

// Each property ends with GET /healthz: the process must still answer after the batch.
describe('the API under random and malformed input answers no 5xx, and 4xx in the error format', () => {
  it('to random JSON values on every POST route', () =>
    fuzz('json-values', fc.tuple(postRoute, jsonBody), 80, ([route, body]) =>
      check(
        api().post(route).set('content-type', 'application/json').send(JSON.stringify(body)),
        `POST ${route} ${JSON.stringify(body).slice(0, 200)}`,
      ),
    ));

  it('to malformed JSON under any content type on every POST route', () =>
    fuzz(
      'malformed-json',
      fc.tuple(postRoute, malformedJson, fc.constantFrom(...CONTENT_TYPES)),
      80,
      ([route, text, type]) =>
        check(
          api().post(route).set('content-type', type).send(text),
          `POST ${route} (${type}) ${JSON.stringify(text.slice(0, 200))}`,
        ),
    ));

  it('to random bytes as images, uploaded and as b64', () =>
    fuzz('random-bytes-images', imageRequest(randomImage), 40, (value) =>
      sendImages(value, 'random bytes'),
    ));

  it('to real PNGs and JPEGs cut at random points', () =>
    fuzz('truncated-images', imageRequest(damagedImage('truncate')), 40, (value) =>
      sendImages(value, 'truncated'),
    ));

  it('to real PNGs and JPEGs with random bytes overwritten', () =>
    fuzz('corrupted-images', imageRequest(damagedImage('corrupt')), 60, (value) =>
      sendImages(value, 'corrupted'),
    ));

  it('to hostile ids on every id route', () =>
    fuzz('hostile-ids', fc.tuple(fc.nat({ max: ID_ROUTES.length - 1 }), hostileId), 80, ([k, id]) =>
      check(
        (ID_ROUTES[k] as (id: string) => request.Test)(id),
        `route ${k} id ${JSON.stringify(id.slice(0, 120))}`,
      ),
    ));

  it('to hand-built multipart bodies: wrong boundaries, odd headers, cut anywhere', () =>
    fuzz('malformed-forms', rawForm, 60, ({ route, type, body }) =>
      check(
        api().post(route).set('content-type', type).send(body),
        `POST ${route} (${type}) ${JSON.stringify(body.toString('latin1').slice(0, 200))}`,
      ),
    ));

  it('to model specs of every size, as training and tuning jobs: absurd ones refused at once', () =>
    fuzz('sized-specs', sizedJob, 40, async ({ route, body }) => {
      const res = await check(
        api().post(route).send(body),
        `POST ${route} ${JSON.stringify(body).slice(0, 300)}`,
      );
      // A spec over the caps or the data set's shape never reaches the queue.
      const absurd = JSON.stringify(body.model).match(/1e\+?\d{2,}|\d{10,}/);
      if (absurd && route === '/v1/training-jobs') expect(res.status).toBe(400);
    }));

  it('to paging values of every kind on every list', () =>
    fuzz(
      'paging',
      fc.tuple(
        fc.constantFrom('training-jobs', 'tuning-jobs', 'models', 'datasets', 'aliases'),
        cursorValue,
        pageValue,
      ),
      60,
      ([list, cursor, limit]) =>
        check(
          api().get(`/v1/${list}?cursor=${cursor}&limit=${limit}`),
          `GET ${list} cursor=${cursor} limit=${limit}`,
        ),
    ));

  it('to images declaring any size, refused from their headers', () =>
    fuzz(
      'declared-sizes',
      fc.tuple(
        predictRoute,
        fc.integer({ min: 1, max: 65_535 }),
        fc.integer({ min: 1, max: 65_535 }),
        fc.boolean(),
      ),
      40,
      ([route, width, height, jpeg]) => {
        const bytes = jpeg ? jpegHeaderDeclaring(width, height) : pngDeclaring(width, height);
        return check(
          api()
            .post(route)
            .send({ instances: [{ b64: bytes.toString('base64') }] }),
          `${jpeg ? 'JPEG' : 'PNG'} declaring ${width}x${height}`,
        );
      },
    ));

  it('and the model still classifies after all of it', async () => {
    const res = await api()
      .post('/v1/models/model-a/predict')
      .attach('file', seeds[0] as Buffer, 'garment.png')
      .expect(200);
    expect(res.body.predictions).toHaveLength(1);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_INSTANCES, parseInstances } from '../../src/inference/instances.js';
import { GIF_BYTES, pngDeclaring } from './support/crafted-bytes.js';
import {
  encodePng,
  hasFashionMnist,
  imageAt,
  invertBytes,
  loadTestImages,
  toUnit,
  upscaleNearest,
} from './support/fashion-images.js';
import { thrown } from './support/thrown.js';

function rows(flat: ArrayLike<number>): number[][] {
  return Array.from({ length: 28 }, (_, r) => Array.from(flat).slice(r * 28, r * 28 + 28));
}

const b64 = (bytes: Uint8Array) => ({ b64: Buffer.from(bytes).toString('base64') });
const flat = (value: number) => Array<number>(784).fill(value);

describe('parseInstances rejections', () => {
  const SHAPES =
    '784 numbers (a flattened 28x28 image), 28 rows of 28 numbers, or {"b64": "<base64 PNG or JPEG>"}';
  const EXPECTED = `expected ${SHAPES}`;
  const withBad = (index: number, value: unknown) => {
    const pixels: unknown[] = flat(0);
    pixels[index] = value;
    return pixels;
  };
  const nestedWithBad = (r: number, c: number, value: unknown) => {
    const grid: unknown[][] = rows(flat(0));
    (grid[r] as unknown[])[c] = value;
    return grid;
  };

  it.each<[string, unknown, string, string | undefined, string]>([
    [
      'a body that is not an object',
      [flat(0)],
      'INSTANCE_INVALID',
      undefined,
      'request body is an array of 1; expected a JSON object like {"instances": [...]}',
    ],
    [
      'a missing instances field',
      { inputs: [] },
      'INSTANCE_INVALID',
      'instances',
      `instances: is missing; expected an array of 1 to 256 instances, each ${SHAPES}`,
    ],
    [
      'instances that are not an array',
      { instances: 'abc' },
      'INSTANCE_INVALID',
      'instances',
      `instances: is a string ("abc"); expected an array of 1 to 256 instances, each ${SHAPES}`,
    ],
    [
      'no instances',
      { instances: [] },
      'INSTANCE_INVALID',
      'instances',
      'instances: holds 0 instances; send 1 to 256 per request',
    ],
    [
      'more instances than the limit',
      { instances: Array(257).fill(flat(0)) },
      'INSTANCE_INVALID',
      'instances',
      'instances: holds 257 instances; send 1 to 256 per request',
    ],
    [
      'an instance that is a string',
      { instances: [flat(0), 'pixels'] },
      'INSTANCE_INVALID',
      'instances[1]',
      `instances[1]: is a string ("pixels"); ${EXPECTED}`,
    ],
    [
      'an instance that is null',
      { instances: [null] },
      'INSTANCE_INVALID',
      'instances[0]',
      `instances[0]: is null; ${EXPECTED}`,
    ],
    [
      '783 numbers',
      { instances: [flat(0).slice(1)] },
      'INSTANCE_INVALID',
      'instances[0]',
      `instances[0]: has 783 values; ${EXPECTED}`,
    ],
    [
      '785 numbers',
      { instances: [[...flat(0), 0]] },
      'INSTANCE_INVALID',
      'instances[0]',
      `instances[0]: has 785 values; ${EXPECTED}`,
    ],
    [
      '27 rows',
      { instances: [rows(flat(0)).slice(1)] },
      'INSTANCE_INVALID',
      'instances[0]',
      'instances[0]: has 27 rows; expected 28 rows of 28 numbers',
    ],
    [
      'a row of 27',
      { instances: [rows(flat(0)).map((row, r) => (r === 5 ? row.slice(1) : row))] },
      'INSTANCE_INVALID',
      'instances[0][5]',
      'instances[0][5]: has 27 values; expected a row of 28 numbers',
    ],
    [
      'a row that is not an array',
      { instances: [rows(flat(0)).map((row, r) => (r === 9 ? 0 : row))] },
      'INSTANCE_INVALID',
      'instances[0][9]',
      'instances[0][9]: has the number 0; expected a row of 28 numbers',
    ],
    [
      'a string pixel',
      { instances: [flat(0), withBad(100, '12')] },
      'INSTANCE_INVALID',
      'instances[1][100]',
      'instances[1][100]: is a string ("12") (row 3, column 16); pixels must be numbers',
    ],
    [
      'a null pixel in a nested instance',
      { instances: [nestedWithBad(2, 3, null)] },
      'INSTANCE_INVALID',
      'instances[0][2][3]',
      'instances[0][2][3]: is null (row 2, column 3); pixels must be numbers',
    ],
    [
      'a negative pixel',
      { instances: [withBad(783, -1)] },
      'PIXEL_OUT_OF_RANGE',
      'instances[0][783]',
      'instances[0][783]: pixel value -1 (row 27, column 27) is outside [0, 255]; send values in [0, 1] or in [0, 255]',
    ],
    [
      'a pixel above 255',
      { instances: [nestedWithBad(0, 1, 256)] },
      'PIXEL_OUT_OF_RANGE',
      'instances[0][0][1]',
      'instances[0][0][1]: pixel value 256 (row 0, column 1) is outside [0, 255]; send values in [0, 1] or in [0, 255]',
    ],
    [
      'a NaN pixel',
      { instances: [withBad(0, Number.NaN)] },
      'PIXEL_OUT_OF_RANGE',
      'instances[0][0]',
      'instances[0][0]: pixel value NaN (row 0, column 0) is outside [0, 255]; send values in [0, 1] or in [0, 255]',
    ],
    [
      'an infinite pixel',
      { instances: [withBad(1, Number.POSITIVE_INFINITY)] },
      'PIXEL_OUT_OF_RANGE',
      'instances[0][1]',
      'instances[0][1]: pixel value Infinity (row 0, column 1) is outside [0, 255]; send values in [0, 1] or in [0, 255]',
    ],
    [
      'an object that is not {b64}',
      { instances: [{ b64: 'iVBO', mime: 'image/png' }] },
      'INSTANCE_INVALID',
      'instances[0]',
      'instances[0]: is an object with keys b64, mime; an image instance is {"b64": "<base64 PNG or JPEG>"}',
    ],
    [
      'b64 that is not a string',
      { instances: [{ b64: 42 }] },
      'INSTANCE_INVALID',
      'instances[0]',
      'instances[0]: is an object with keys b64; an image instance is {"b64": "<base64 PNG or JPEG>"}',
    ],
    [
      'invalid base64',
      { instances: [{ b64: 'iVBORw0K!GgoAAAANSUhEUg' }] },
      'INSTANCE_INVALID',
      'instances[0].b64',
      `instances[0].b64: is not valid base64: unexpected "!" at position 8; send the PNG or JPEG file's bytes base64-encoded`,
    ],
    [
      'empty base64',
      { instances: [{ b64: '' }] },
      'INSTANCE_INVALID',
      'instances[0].b64',
      'instances[0].b64: is empty',
    ],
    [
      'an invert option that is not auto, true or false',
      { instances: [flat(0)], invert: 'yes' },
      'OPTION_INVALID',
      'invert',
      'invert: is a string ("yes"); expected "auto", true or false',
    ],
  ])('refuses %s', (_name, body, code, path, message) => {
    const error = thrown(() => parseInstances(body));
    expect(error).toMatchObject({ code, path, message });
  });

  it('takes the instance limit from its options', () => {
    expect(DEFAULT_MAX_INSTANCES).toBe(256);
    expect(parseInstances({ instances: Array(256).fill(flat(0)) })).toHaveLength(256);
    expect(
      thrown(() => parseInstances({ instances: [flat(0), flat(0)] }, { maxInstances: 1 })),
    ).toMatchObject({ message: 'instances: holds 2 instances; send 1 to 1 per request' });
  });

  it('keeps the image status codes and names the instance', () => {
    const gif = thrown(() => parseInstances({ instances: [flat(0), b64(GIF_BYTES)] }));
    expect(gif).toMatchObject({
      code: 'IMAGE_NOT_SUPPORTED',
      path: 'instances[1]',
    });
    expect(gif.message).toMatch(/^instances\[1\]: GIF images are not supported/);

    const huge = thrown(() => parseInstances({ instances: [b64(pngDeclaring(20_000, 20_000))] }));
    expect(huge).toMatchObject({ code: 'IMAGE_TOO_LARGE', path: 'instances[0]' });

    const small = thrown(() =>
      parseInstances({ instances: [b64(pngDeclaring(100, 100))] }, { maxPixels: 50 * 50 }),
    );
    expect(small).toMatchObject({ code: 'IMAGE_TOO_LARGE' });

    const truncated = thrown(() => parseInstances({ instances: [b64(pngDeclaring(2, 2))] }));
    expect(truncated).toMatchObject({
      code: 'IMAGE_CORRUPT',
      path: 'instances[0]',
    });
  });
});

describe('parseInstances and URLs', () => {
  it.each([
    [{ b64: 'http://169.254.169.254/latest/meta-data/' }, 'instances[0].b64'],
    [{ b64: ' HTTPS://example.com/shirt.png' }, 'instances[0].b64'],
    [{ b64: 'file:///etc/passwd' }, 'instances[0].b64'],
    ['https://example.com/shirt.png', 'instances[0]'],
    ['ftp://example.com/shirt.png', 'instances[0]'],
  ])('refuses %j, saying URLs are never fetched', (instance, path) => {
    const error = thrown(() => parseInstances({ instances: [instance] }));
    expect(error).toMatchObject({ code: 'INSTANCE_INVALID', path });
    expect(error.message).toBe(
      `${path}: is a URL; images are never fetched from URLs, send the PNG or JPEG file's bytes base64-encoded as {"b64": "..."}`,
    );
  });

  it('still takes a data URL, which carries the bytes itself', () => {
    const error = thrown(() =>
      parseInstances({ instances: [{ b64: `data:image/png;base64,${b64(GIF_BYTES).b64}` }] }),
    );
    expect(error.code).toBe('IMAGE_NOT_SUPPORTED');
  });
});

describe('parseInstances pixel budget', () => {
  it('refuses images whose declared sizes add up to more than the request limit', () => {
    const images = [b64(pngDeclaring(100, 100)), flat(0), b64(pngDeclaring(100, 100))];
    const error = thrown(() => parseInstances({ instances: images }, { maxTotalPixels: 15_000 }));
    expect(error).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    expect(error.message).toBe(
      'the 2 images declare 20,000 pixels in total, more than the limit of 15,000 per request; send fewer or smaller images (the model sees 28x28)',
    );
  });

  it('names the instance whose header is bad, counting numeric instances too', () => {
    const error = thrown(() =>
      parseInstances({ instances: [flat(0), flat(0), b64(pngDeclaring(0, 5))] }),
    );
    expect(error).toMatchObject({ code: 'IMAGE_CORRUPT', path: 'instances[2]' });
  });
});

describe.skipIf(!hasFashionMnist)('parseInstances on real Fashion-MNIST images', () => {
  let garment: Uint8Array;
  let expected: Float32Array;

  beforeAll(async () => {
    garment = imageAt(await loadTestImages(), 7);
    expected = toUnit(garment);
  });

  it('gives the same input for numbers in [0, 255] and in [0, 1], flat or nested', () => {
    const asBytes = Array.from(garment);
    const asUnits = asBytes.map((value) => value / 255);
    const inputs = parseInstances({
      instances: [
        asBytes,
        asUnits,
        rows(asBytes),
        rows(asUnits),
        rows(asBytes).map((row) => row.map((value) => [value])),
      ],
    });
    expect(inputs).toHaveLength(5);
    for (const input of inputs) expect(input).toEqual(expected);
  });

  it('keeps the order of mixed numeric and image instances', () => {
    const png = b64(encodePng(garment, 28, 28));
    const asBytes = Array.from(garment);
    const inputs = parseInstances({ instances: [png, asBytes, png, asBytes] });
    expect(inputs).toHaveLength(4);
    for (const input of inputs) expect(input).toEqual(expected);
  });

  it('decodes base64 images, with or without a data URL prefix or line breaks', () => {
    const png = Buffer.from(encodePng(upscaleNearest(garment, 28, 4), 112, 112)).toString('base64');
    const inputs = parseInstances({
      instances: [
        { b64: png },
        { b64: `data:image/jpeg;base64,${png}` },
        { b64: png.replace(/(.{76})/g, '$1\n') },
        { b64: png.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') },
      ],
    });
    for (const input of inputs) expect(input).toEqual(expected);
  });

  it('inverts numbers only when asked, and images automatically by default', () => {
    const darkOnLight = Array.from(invertBytes(garment));
    const lightOnDark = Array.from(garment);
    const onWhitePng = b64(encodePng(invertBytes(garment), 28, 28));

    const [numeric, image] = parseInstances({ instances: [darkOnLight, onWhitePng] });
    expect(numeric).toEqual(toUnit(darkOnLight));
    expect(image).toEqual(expected);

    const inverted = parseInstances({ instances: [darkOnLight, onWhitePng], invert: true });
    for (const input of inverted) expect(input).toEqual(expected);

    const auto = parseInstances({ instances: [darkOnLight, lightOnDark], invert: 'auto' });
    for (const input of auto) expect(input).toEqual(expected);

    const [kept] = parseInstances({ instances: [onWhitePng], invert: false });
    expect(kept).toEqual(toUnit(darkOnLight));
  });
});

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeImage } from '../../src/inference/decode.js';
import {
  assertTotalPixels,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MAX_TOTAL_PIXELS,
  detectImageFormat,
  readImageHeader,
} from '../../src/inference/image-format.js';
import { toModelInputs } from '../../src/inference/model-input.js';
import {
  BMP_BYTES,
  GIF_BYTES,
  grayPngWithSurplusData,
  interlacedGrayPng,
  jpegHeaderDeclaring,
  pngDeclaring,
  TEXT_BYTES,
  WEBP_BYTES,
} from './support/crafted-bytes.js';
import {
  encodeJpeg,
  encodePng,
  hasFashionMnist,
  imageAt,
  loadTestImages,
  upscaleNearest,
} from './support/fashion-images.js';
import { thrown } from './support/thrown.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('image format detection', () => {
  it.each([
    ['GIF', GIF_BYTES, /GIF images are not supported; send a PNG or JPEG image/],
    ['BMP', BMP_BYTES, /BMP images are not supported; send a PNG or JPEG image/],
    ['WebP', WEBP_BYTES, /WebP images are not supported; send a PNG or JPEG image/],
    ['text', TEXT_BYTES, /this content is not supported; send a PNG or JPEG image/],
  ])('refuses %s with 415 naming the accepted formats', (_name, bytes, message) => {
    const error = thrown(() => detectImageFormat(bytes));
    expect(error).toMatchObject({ code: 'IMAGE_NOT_SUPPORTED' });
    expect(error.message).toMatch(message);
  });

  it('calls empty input and a cut-off signature corrupt (400), not unsupported', () => {
    expect(thrown(() => detectImageFormat(new Uint8Array()))).toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: 'image is empty (0 bytes)',
    });
    expect(thrown(() => detectImageFormat(pngDeclaring(28, 28).subarray(0, 5)))).toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: 'image is truncated: only 5 bytes',
    });
  });

  it('refuses JPEG codings jpeg-js cannot decode (lossless SOF3) with 415', () => {
    const lossless = jpegHeaderDeclaring(28, 28);
    lossless[lossless.indexOf(0xc0)] = 0xc3;
    expect(thrown(() => readImageHeader(lossless))).toMatchObject({
      code: 'IMAGE_NOT_SUPPORTED',
    });
  });
});

describe('declared size limit', () => {
  it('refuses a 67-byte PNG declaring 20000x20000 with 413 before decoding', () => {
    const bomb = pngDeclaring(20_000, 20_000);
    const pngRead = vi.spyOn(PNG.sync, 'read');
    const started = performance.now();
    const error = thrown(() => decodeImage(bomb));
    const elapsed = performance.now() - started;

    expect(bomb.length).toBe(67);
    expect(error).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    expect(error.message).toBe(
      'image declares 20000x20000 (400,000,000 pixels), more than the limit of 16,777,216 pixels; scale it down (the model sees 28x28)',
    );
    expect(pngRead).not.toHaveBeenCalled();
    // Decoding 400M pixels would take seconds and 1.6 GB; reading the header takes microseconds.
    expect(elapsed).toBeLessThan(100);
  });

  it('refuses a JPEG whose frame header declares 20000x20000 before decoding', () => {
    const jpegDecode = vi.spyOn(jpeg, 'decode');
    const error = thrown(() => decodeImage(jpegHeaderDeclaring(20_000, 20_000)));
    expect(error).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    expect(jpegDecode).not.toHaveBeenCalled();
  });

  it('reads the size from the header alone, and the limit is configurable', () => {
    // The body after the IHDR holds one pixel: only the header is read.
    expect(readImageHeader(pngDeclaring(4096, 4096))).toEqual({
      format: 'png',
      width: 4096,
      height: 4096,
    });
    expect(DEFAULT_MAX_PIXELS).toBe(4096 * 4096);
    expect(thrown(() => readImageHeader(pngDeclaring(4097, 4096))).code).toBe('IMAGE_TOO_LARGE');
    expect(readImageHeader(jpegHeaderDeclaring(300, 200), { maxPixels: 60_000 })).toEqual({
      format: 'jpeg',
      width: 300,
      height: 200,
    });
    expect(
      thrown(() => readImageHeader(jpegHeaderDeclaring(300, 201), { maxPixels: 60_000 })).code,
    ).toBe('IMAGE_TOO_LARGE');
  });

  it('calls a header declaring 0 pixels corrupt', () => {
    expect(thrown(() => readImageHeader(pngDeclaring(0, 28))).code).toBe('IMAGE_CORRUPT');
    expect(thrown(() => readImageHeader(jpegHeaderDeclaring(28, 0))).code).toBe('IMAGE_CORRUPT');
  });
});

describe('pixel budget of one request', () => {
  it('allows four images at the per-image limit and refuses more', () => {
    const full = { format: 'png' as const, width: 4096, height: 4096 };
    expect(DEFAULT_MAX_TOTAL_PIXELS).toBe(4 * DEFAULT_MAX_PIXELS);
    expect(() => assertTotalPixels([full, full, full, full])).not.toThrow();
    const error = thrown(() => assertTotalPixels([full, full, full, full, { ...full, width: 1 }]));
    expect(error).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    expect(error.message).toMatch(/^the 5 images declare 67,112,960 pixels in total/);
  });

  it('reads every header before decoding any image', () => {
    const pngRead = vi.spyOn(PNG.sync, 'read');
    const images = [pngDeclaring(3000, 3000), pngDeclaring(3000, 3000)];
    const error = thrown(() =>
      toModelInputs(images, { maxTotalPixels: 10_000_000 }, (i) => `files[${i}]`),
    );
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(pngRead).not.toHaveBeenCalled();
    const located = thrown(() => toModelInputs([GIF_BYTES], {}, (i) => `files[${i}]`));
    expect(located).toMatchObject({ code: 'IMAGE_NOT_SUPPORTED', path: 'files[0]' });
  });
});

describe.skipIf(!hasFashionMnist)('headers and corruption of real Fashion-MNIST images', () => {
  let garment: Uint8Array;
  let png28: Buffer;
  let png112: Buffer;
  let jpeg112: Buffer;

  beforeAll(async () => {
    const set = await loadTestImages();
    garment = imageAt(set, 0);
    png28 = encodePng(garment, 28, 28);
    png112 = encodePng(upscaleNearest(garment, 28, 4), 112, 112);
    jpeg112 = encodeJpeg(upscaleNearest(garment, 28, 4), 112, 112);
  });

  it('detects the format from the bytes and reads the declared size', () => {
    expect(readImageHeader(png28)).toEqual({ format: 'png', width: 28, height: 28 });
    expect(readImageHeader(png112)).toEqual({ format: 'png', width: 112, height: 112 });
    expect(readImageHeader(jpeg112)).toEqual({ format: 'jpeg', width: 112, height: 112 });
  });

  it('applies a lowered limit to real images', () => {
    expect(() => decodeImage(png112, { maxPixels: 112 * 112 })).not.toThrow();
    const error = thrown(() => decodeImage(jpeg112, { maxPixels: 100 * 100 }));
    expect(error).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  it.each([
    ['PNG', () => png112, /^PNG is truncated/],
    ['JPEG', () => jpeg112, /^JPEG is truncated or corrupt/],
  ])('refuses a %s cut in half as IMAGE_CORRUPT (400)', (_name, bytes, message) => {
    const whole = bytes();
    const error = thrown(() => decodeImage(whole.subarray(0, whole.length >> 1)));
    expect(error).toMatchObject({ code: 'IMAGE_CORRUPT' });
    expect(error.message).toMatch(message);
  });

  it('refuses a PNG cut inside its header, and one with garbage pixel data', () => {
    expect(thrown(() => decodeImage(png28.subarray(0, 20)))).toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: 'PNG is truncated: 20 bytes, no complete header',
    });
    const garbled = Buffer.from(png28);
    garbled.fill(0x5a, 41, garbled.length - 12);
    expect(thrown(() => decodeImage(garbled)).code).toBe('IMAGE_CORRUPT');
  });

  it('refuses PNG pixel data shorter than the header declares', () => {
    // pngjs alone would unfilter whatever memory follows the short data.
    const short = pngDeclaring(28, 28);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(thrown(() => decodeImage(short))).toMatchObject({
        code: 'IMAGE_CORRUPT',
        message: 'PNG pixel data ends early: 2 of the 812 bytes a 28x28 image needs',
      });
    }
  });

  it('refuses PNG pixel data longer than the header declares, which pngjs cannot read', () => {
    expect(thrown(() => decodeImage(grayPngWithSurplusData(garment, 28, 1)))).toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: 'PNG pixel data is longer than the 812 bytes a 28x28 image needs',
    });
  });

  it('decodes interlaced PNGs, whose pixel data is laid out in seven passes', () => {
    expect(decodeImage(interlacedGrayPng(garment, 28, 28)).pixels).toEqual(
      Float32Array.from(garment),
    );
    const narrow = garment.subarray(0, 27 * 5);
    expect(decodeImage(interlacedGrayPng(narrow, 27, 5)).pixels).toEqual(Float32Array.from(narrow));
  });

  it('refuses a JPEG cut before its frame header', () => {
    expect(thrown(() => decodeImage(jpeg112.subarray(0, 30)))).toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: 'JPEG is truncated or malformed: no frame header found',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/inference/decode.js';
import { InputError } from '../../src/inference/errors.js';
import { readImageHeader } from '../../src/inference/image-format.js';
import { countJpegScans } from '../../src/inference/jpeg-scans.js';
import { encodeJpeg } from './support/fashion-images.js';
import { blackPng, manyScanJpeg } from './support/hostile-images.js';
import { thrown } from './support/thrown.js';

describe('the side limit', () => {
  it('refuses 1 x 16,777,216 from its header although it is within the pixel budget', () => {
    const tall = blackPng(1, 16_777_216);
    const error = thrown(() => readImageHeader(tall));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    expect(error.message).toBe(
      'image declares 1x16777216; each side may be at most 4096 pixels; scale it down (the model sees 28x28)',
    );
  });

  it('takes each side up to the limit, either way round, and can be set', () => {
    expect(readImageHeader(blackPng(4096, 1))).toMatchObject({ width: 4096, height: 1 });
    expect(readImageHeader(blackPng(1, 4096))).toMatchObject({ width: 1, height: 4096 });
    expect(thrown(() => readImageHeader(blackPng(4097, 1))).message).toMatch(
      /declares 4097x1; each side may be at most 4096 pixels/,
    );
    expect(thrown(() => readImageHeader(blackPng(1, 65), { maxSide: 64 })).message).toMatch(
      /at most 64 pixels/,
    );
  });
});

describe('the JPEG scan limit', () => {
  it('counts the scans of baseline and progressive JPEGs', () => {
    const baseline = encodeJpeg(new Uint8Array(28 * 28), 28, 28);
    expect(countJpegScans(baseline)).toBe(1);
    expect(countJpegScans(manyScanJpeg(64, 64, 9))).toBe(10);
    expect(countJpegScans(manyScanJpeg(64, 64, 5000))).toBe(5001);
  });

  it('refuses more than 100 scans from the file, naming the count and the limit', () => {
    const error = thrown(() => readImageHeader(manyScanJpeg(64, 64, 100)));
    expect(error).toMatchObject({ code: 'IMAGE_TOO_COMPLEX' });
    expect(error.message).toBe(
      'JPEG holds more than 100 scans, the limit (a baseline JPEG has 1, a progressive one about 10); re-encode it or send a PNG',
    );
    expect(
      thrown(() => readImageHeader(manyScanJpeg(64, 64, 20), { maxJpegScans: 20 })).message,
    ).toMatch(/holds more than 20 scans, the limit/);
  });

  it('decodes a progressive JPEG with 100 scans', () => {
    const image = decodeImage(manyScanJpeg(64, 48, 99));
    expect(image).toMatchObject({ width: 64, height: 48 });
    expect(Math.max(...image.pixels)).toBe(Math.min(...image.pixels));
  });

  it('never reads past the data of a cut or malformed file', () => {
    const full = manyScanJpeg(64, 64, 10);
    for (let end = 0; end < full.length; end += 7) {
      expect(countJpegScans(full.subarray(0, end))).toBeLessThanOrEqual(11);
    }
    expect(countJpegScans(Buffer.from([0xff, 0xd8, 0x00, 0x01]))).toBe(0);
  });
});

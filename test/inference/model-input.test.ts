import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IdxImages } from '../../src/data/idx.js';
import { MODEL_INPUT_LENGTH, toModelInput } from '../../src/inference/model-input.js';
import {
  encodeJpeg,
  encodePng,
  encodeRgbaPng,
  grayToRgba,
  hasFashionMnist,
  imageAt,
  invertBytes,
  loadTestImages,
  meanAbsoluteError,
  sampleIndices,
  toUnit,
  upscaleNearest,
} from './support/fashion-images.js';

// jpeg-js takes ~150 ms per encode, so JPEG checks use few images.
describe.skipIf(!hasFashionMnist)('toModelInput on real Fashion-MNIST images', () => {
  let set: IdxImages;
  let garments: Uint8Array[];

  beforeAll(async () => {
    set = await loadTestImages();
    garments = sampleIndices(set, 20).map((index) => imageAt(set, index));
  });

  it('round-trips a 28x28 PNG exactly (pixel / 255)', () => {
    for (const garment of garments) {
      const input = toModelInput(encodePng(garment, 28, 28));
      expect(input).toHaveLength(MODEL_INPUT_LENGTH);
      expect(input).toEqual(toUnit(garment));
    }
  });

  it('round-trips a 28x28 JPEG (quality 95) within a mean error of 0.01 (2.6 grey levels)', () => {
    for (const garment of garments.slice(0, 3)) {
      const input = toModelInput(encodeJpeg(garment, 28, 28, 95), { invert: false });
      expect(meanAbsoluteError(input, toUnit(garment))).toBeLessThan(0.01);
    }
  });

  it('scales a 112x112 nearest-neighbour enlargement back to the original', () => {
    for (const garment of garments) {
      const big = encodePng(upscaleNearest(garment, 28, 4), 112, 112);
      // Area averaging of 4x4 blocks of one value gives that value back.
      expect(meanAbsoluteError(toModelInput(big), toUnit(garment))).toBeLessThan(1e-6);
    }
    const bigJpeg = encodeJpeg(upscaleNearest(garments[1] as Uint8Array, 28, 4), 112, 112);
    const fromJpeg = toModelInput(bigJpeg, { invert: false });
    expect(meanAbsoluteError(fromJpeg, toUnit(garments[1] as Uint8Array))).toBeLessThan(0.005);
  });

  it('scales a 100x100 enlargement (not a whole multiple) back within a mean error of 0.05', () => {
    for (const garment of garments.slice(0, 5)) {
      const big = new Uint8Array(100 * 100).map((_, i) => {
        const y = Math.floor((Math.floor(i / 100) * 28) / 100);
        const x = Math.floor(((i % 100) * 28) / 100);
        return garment[y * 28 + x] ?? 0;
      });
      expect(
        meanAbsoluteError(toModelInput(encodePng(big, 100, 100)), toUnit(garment)),
      ).toBeLessThan(0.05);
    }
  });

  it('restores a dark garment on a white background with invert true or auto', () => {
    for (const garment of garments) {
      const onWhite = encodePng(upscaleNearest(invertBytes(garment), 28, 4), 112, 112);
      expect(meanAbsoluteError(toModelInput(onWhite, { invert: true }), toUnit(garment))).toBe(0);
      expect(meanAbsoluteError(toModelInput(onWhite, { invert: 'auto' }), toUnit(garment))).toBe(0);
      expect(meanAbsoluteError(toModelInput(onWhite), toUnit(garment))).toBe(0);
      // Without inversion the model would see a white square.
      const asSent = toModelInput(onWhite, { invert: false });
      expect(meanAbsoluteError(asSent, toUnit(garment))).toBeGreaterThan(0.3);
    }
    const jpegOnWhite = encodeJpeg(invertBytes(garments[2] as Uint8Array), 28, 28);
    const restored = toModelInput(jpegOnWhite, { invert: 'auto' });
    expect(meanAbsoluteError(restored, toUnit(garments[2] as Uint8Array))).toBeLessThan(0.01);
  });

  it('leaves Fashion-MNIST polarity alone with auto', () => {
    for (const garment of garments) {
      expect(toModelInput(encodePng(garment, 28, 28), { invert: 'auto' })).toEqual(toUnit(garment));
    }
  });

  it('composites transparency over black: a white garment drawn by alpha is the original', () => {
    const garment = garments[3] as Uint8Array;
    const white = new Uint8Array(garment.length).fill(255);
    const png = encodeRgbaPng(grayToRgba(white, garment), 28, 28);
    expect(meanAbsoluteError(toModelInput(png, { invert: false }), toUnit(garment))).toBeLessThan(
      1e-6,
    );
  });

  it('fits a wide image into 28x28, centred on black', () => {
    const [left, right] = garments as [Uint8Array, Uint8Array];
    const pair = new Uint8Array(56 * 28);
    for (let y = 0; y < 28; y++) {
      pair.set(left.subarray(y * 28, y * 28 + 28), y * 56);
      pair.set(right.subarray(y * 28, y * 28 + 28), y * 56 + 28);
    }
    const input = toModelInput(encodePng(pair, 56, 28), { invert: false });
    // 56x28 becomes 28x14 in rows 7..20; each output pixel is the mean of a 2x2 block.
    input.forEach((value, i) => {
      const y = Math.floor(i / 28);
      const x = i % 28;
      if (y < 7 || y >= 21) {
        expect(value).toBe(0);
        return;
      }
      const block = [0, 1].flatMap((dy) =>
        [0, 1].map((dx) => pair[(2 * (y - 7) + dy) * 56 + 2 * x + dx] ?? 0),
      );
      expect(value).toBeCloseTo(block.reduce((sum, v) => sum + v, 0) / 4 / 255, 6);
    });
  });

  it('reads the format from the content, whatever the file is called', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailor-inference-'));
    try {
      const misnamed = join(dir, 'shirt.jpg');
      await writeFile(misnamed, encodePng(garments[0] as Uint8Array, 28, 28));
      const bytes = new Uint8Array(await readFile(misnamed));
      expect(toModelInput(bytes)).toEqual(toUnit(garments[0] as Uint8Array));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { applyPolarity, hasLightBackground, invertPixels } from '../../src/inference/polarity.js';
import { hasFashionMnist, imageAt, loadTestImages } from './support/fashion-images.js';

describe('polarity', () => {
  it('inverts within the given range', () => {
    expect(Array.from(invertPixels(Float32Array.of(0, 55, 255), 255))).toEqual([255, 200, 0]);
    expect(Array.from(invertPixels(Float32Array.of(0, 0.25, 1), 1))).toEqual([1, 0.75, 0]);
  });

  it('applies true, false and auto', () => {
    const onWhite = { width: 4, height: 4, pixels: new Float32Array(16).fill(1) };
    onWhite.pixels[5] = 0;
    expect(applyPolarity(onWhite, false, 1)).toBe(onWhite);
    expect(applyPolarity(onWhite, true, 1).pixels[5]).toBe(1);
    expect(applyPolarity(onWhite, 'auto', 1).pixels[0]).toBe(0);
  });

  it('never guesses on images too small to have a border and a centre', () => {
    expect(hasLightBackground({ width: 3, height: 3, pixels: new Float32Array(9).fill(255) })).toBe(
      false,
    );
  });

  it.skipIf(!hasFashionMnist)(
    'auto judges at most 0.1% of the 10,000 Fashion-MNIST test images wrongly, either way up',
    async () => {
      const set = await loadTestImages();
      let keptWrongly = 0;
      let flippedWrongly = 0;
      for (let index = 0; index < set.count; index++) {
        const pixels = Float32Array.from(imageAt(set, index));
        if (hasLightBackground({ width: 28, height: 28, pixels })) flippedWrongly++;
        const inverted = invertPixels(pixels, 255);
        if (!hasLightBackground({ width: 28, height: 28, pixels: inverted })) keptWrongly++;
      }
      // Measured: 2 each way.
      expect(flippedWrongly).toBeLessThanOrEqual(10);
      expect(keptWrongly).toBeLessThanOrEqual(10);
    },
  );
});

import { describe, expect, it } from 'vitest';
import { type Augment, augmentBatch, augments, NO_AUGMENT } from '../../src/ml/augment.js';

const SIDE = 6;
/** Images whose pixel (y, x) of image i is i + y / 10 + x / 100 (distinct everywhere). */
function images(rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * SIDE * SIDE);
  rows.forEach((row, i) => {
    for (let y = 0; y < SIDE; y++)
      for (let x = 0; x < SIDE; x++)
        out[i * SIDE * SIDE + y * SIDE + x] = 1 + row + y / 10 + x / 100;
  });
  return out;
}
const pixel = (data: Float32Array, i: number, y: number, x: number) =>
  data[i * SIDE * SIDE + y * SIDE + x] as number;

function augmented(rows: number[], augment: Augment, seed = 9): Float32Array {
  const data = images(rows);
  augmentBatch(data, rows, SIDE, SIDE, augment, seed);
  return data;
}

describe('augmentation', () => {
  it('is off by default and changes nothing then', () => {
    expect(augments(NO_AUGMENT)).toBe(false);
    expect(augments(undefined)).toBe(false);
    expect(augments({ ...NO_AUGMENT, erase: 0.1 })).toBe(true);
  });

  it('changes each image by its row and the epoch seed only, however the batch is cut', () => {
    const augment = { translate: 2, flip: true, erase: 0.5 };
    const whole = augmented([3, 1, 4, 1, 5], augment);
    const single = augmented([4], augment);
    expect(single).toEqual(whole.subarray(2 * 36, 3 * 36));
    expect(augmented([3, 1, 4, 1, 5], augment)).toEqual(whole);
    // Row 1 twice in one batch: the same change twice.
    expect(whole.subarray(36, 72)).toEqual(whole.subarray(3 * 36, 4 * 36));
    expect(augmented([3, 1, 4, 1, 5], augment, 10)).not.toEqual(whole);
  });

  it('shifts by at most `translate` pixels, filling with zeros', () => {
    const rows = Array.from({ length: 200 }, (_, i) => i);
    const data = augmented(rows, { translate: 1, flip: false, erase: 0 });
    const shifts = new Set<string>();
    rows.forEach((row, i) => {
      // Find where the original (2, 2) went: it is distinct, so one position holds it.
      const target = 1 + row + 0.2 + 0.02;
      let at: [number, number] | undefined;
      for (let y = 0; y < SIDE; y++)
        for (let x = 0; x < SIDE; x++)
          if (Math.abs(pixel(data, i, y, x) - target) < 1e-3) at = [y - 2, x - 2];
      expect(at).toBeDefined();
      const [dy, dx] = at as [number, number];
      expect(Math.abs(dy)).toBeLessThanOrEqual(1);
      expect(Math.abs(dx)).toBeLessThanOrEqual(1);
      shifts.add(`${dy},${dx}`);
      if (dy === 1) expect(pixel(data, i, 0, 3)).toBe(0);
      if (dx === -1) expect(pixel(data, i, 3, SIDE - 1)).toBe(0);
    });
    expect(shifts.size).toBe(9);
  });

  it('mirrors about half the images left-right, as they are', () => {
    const rows = Array.from({ length: 200 }, (_, i) => i);
    const data = augmented(rows, { translate: 0, flip: true, erase: 0 });
    const original = images(rows);
    let flipped = 0;
    rows.forEach((_, i) => {
      const mirrored = pixel(data, i, 1, 0) === pixel(original, i, 1, SIDE - 1);
      if (mirrored) {
        flipped++;
        for (let x = 0; x < SIDE; x++)
          expect(pixel(data, i, 4, x)).toBe(pixel(original, i, 4, SIDE - 1 - x));
      } else
        expect(data.subarray(i * 36, (i + 1) * 36)).toEqual(
          original.subarray(i * 36, (i + 1) * 36),
        );
    });
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
  });

  it('erases one rectangle of noise in about `erase` of the images', () => {
    const rows = Array.from({ length: 400 }, (_, i) => i);
    const data = augmented(rows, { translate: 0, flip: false, erase: 0.25 });
    const original = images(rows);
    let erased = 0;
    rows.forEach((_, i) => {
      const changed: [number, number][] = [];
      for (let y = 0; y < SIDE; y++)
        for (let x = 0; x < SIDE; x++)
          if (pixel(data, i, y, x) !== pixel(original, i, y, x)) changed.push([y, x]);
      if (changed.length === 0) return;
      erased++;
      // Noise in [0, 1) where every original pixel is above 1.
      for (const [y, x] of changed) expect(pixel(data, i, y, x)).toBeLessThan(1);
      const ys = changed.map(([y]) => y);
      const xs = changed.map(([, x]) => x);
      const box = (Math.max(...ys) - Math.min(...ys) + 1) * (Math.max(...xs) - Math.min(...xs) + 1);
      expect(changed.length).toBe(box);
    });
    expect(erased).toBeGreaterThan(60);
    expect(erased).toBeLessThan(140);
  });
});

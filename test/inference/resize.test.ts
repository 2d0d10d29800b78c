import { describe, expect, it } from 'vitest';
import { fitToSquare } from '../../src/inference/resize.js';

function image(width: number, height: number, pixel: (x: number, y: number) => number) {
  const pixels = new Float32Array(width * height).map((_, i) =>
    pixel(i % width, Math.floor(i / width)),
  );
  return { width, height, pixels };
}

describe('fitToSquare', () => {
  it('keeps a flat image flat at any scale, shrinking or enlarging', () => {
    for (const [width, height] of [
      [28, 28],
      [97, 97],
      [640, 480],
      [5, 5],
      [13, 20],
    ] as const) {
      const out = fitToSquare(image(width, height, () => 200));
      const inside = out.filter((value) => value > 0);
      expect(inside.every((value) => Math.abs(value - 200) < 1e-3)).toBe(true);
    }
  });

  it('enlarges bilinearly: a horizontal ramp stays a ramp away from the clamped edges', () => {
    const out = fitToSquare(image(7, 7, (x) => x * 10));
    // 7 -> 28 is a factor of 4: interior steps are 10 / 4.
    const row = Array.from(out.subarray(14 * 28, 15 * 28));
    for (let x = 3; x < 24; x++) {
      expect((row[x + 1] ?? 0) - (row[x] ?? 0)).toBeCloseTo(2.5, 5);
    }
    expect(row[0]).toBe(0);
    expect(row[27]).toBe(60);
  });

  it('shrinks by area: a one-pixel line survives as a fainter line', () => {
    const out = fitToSquare(image(280, 280, (x) => (x === 141 ? 255 : 0)));
    const column14 = Array.from({ length: 28 }, (_, y) => out[y * 28 + 14]);
    expect(column14.every((value) => Math.abs((value ?? 0) - 25.5) < 1e-3)).toBe(true);
    expect(out.reduce((sum, value) => sum + value, 0)).toBeCloseTo((255 * 280) / 100, 2);
  });

  it('centres a tall image between black columns', () => {
    const out = fitToSquare(image(14, 28, () => 255));
    for (let y = 0; y < 28; y++) {
      const row = Array.from(out.subarray(y * 28, y * 28 + 28));
      expect(row).toEqual([...Array(7).fill(0), ...Array(14).fill(255), ...Array(7).fill(0)]);
    }
  });

  it('fits a 1-pixel-high strip as one row', () => {
    const out = fitToSquare(image(280, 1, () => 100));
    expect(out.filter((value) => value > 0)).toHaveLength(28);
    expect(Array.from(out.subarray(13 * 28, 14 * 28)).every((value) => value === 100)).toBe(true);
  });
});

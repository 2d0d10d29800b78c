import { describe, expect, it } from 'vitest';
import { linear, niceAxis } from '../../src/reports/scale.js';

describe('niceAxis', () => {
  it('extends a range to round ticks', () => {
    expect(niceAxis(0.23, 0.58, 5)).toEqual({
      min: 0.2,
      max: 0.6,
      ticks: [0.2, 0.3, 0.4, 0.5, 0.6],
      decimals: 1,
    });
    expect(niceAxis(0, 5000, 5).ticks).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
  });

  it('keeps integer axes on whole numbers', () => {
    expect(niceAxis(1, 2, 8, true).ticks).toEqual([1, 2]);
    expect(niceAxis(1, 30, 8, true).ticks.every(Number.isInteger)).toBe(true);
  });

  it('gives a single value or a flat series an axis around it', () => {
    const one = niceAxis(1, 1, 8, true);
    expect(one.min).toBeLessThan(1);
    expect(one.max).toBeGreaterThan(1);
    const flat = niceAxis(0.5, 0.5, 5);
    expect(flat.min).toBeLessThan(0.5);
    expect(flat.max).toBeGreaterThan(0.5);
  });

  it('prints ticks without floating-point noise', () => {
    const axis = niceAxis(0.1, 0.7, 6);
    expect(axis.ticks.map((t) => t.toFixed(axis.decimals))).toEqual([
      '0.1',
      '0.2',
      '0.3',
      '0.4',
      '0.5',
      '0.6',
      '0.7',
    ]);
  });
});

describe('linear', () => {
  it('maps a domain onto a range, inverted for SVG y axes', () => {
    const y = linear([0, 1], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(1)).toBe(0);
    expect(y(0.25)).toBe(150);
  });
});

import { describe, expect, it } from 'vitest';
import {
  HEAT_MAP_SCALE,
  heatMap,
  hotColour,
  normalizeSaliency,
} from '../../src/inference/saliency.js';

describe('normalizeSaliency', () => {
  it('takes absolute values and scales them so the largest is 1', () => {
    expect(normalizeSaliency(Float32Array.from([0, -2, 1, 0.5, -0.25]))).toEqual([
      0, 1, 0.5, 0.25, 0.125,
    ]);
  });

  it('rounds to 4 decimals', () => {
    expect(normalizeSaliency([3, 1, 2])).toEqual([1, 0.3333, 0.6667]);
  });

  it('gives all zeros when no pixel matters, never NaN', () => {
    expect(normalizeSaliency(new Float32Array(5))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('hotColour', () => {
  it('runs from black through red and yellow to white', () => {
    expect(hotColour(0)).toEqual([0, 0, 0]);
    expect(hotColour(1 / 3)).toEqual([255, 0, 0]);
    expect(hotColour(2 / 3)).toEqual([255, 255, 0]);
    expect(hotColour(1)).toEqual([255, 255, 255]);
  });

  it('only brightens as the value grows', () => {
    let previous = [0, 0, 0];
    for (let v = 0; v <= 1; v += 0.01) {
      const colour = hotColour(v);
      colour.forEach((channel, i) => {
        expect(channel).toBeGreaterThanOrEqual(previous[i] as number);
      });
      previous = colour;
    }
  });
});

describe('heatMap', () => {
  it('draws each value as a block of its colour', () => {
    const values = Array.from({ length: 784 }, (_, i) => (i % 29) / 28);
    const map = heatMap(values, 28, 28);
    expect([map.width, map.height]).toEqual([28 * HEAT_MAP_SCALE, 28 * HEAT_MAP_SCALE]);
    for (let y = 0; y < map.height; y++) {
      for (let x = 0; x < map.width; x++) {
        const value = values[Math.floor(y / HEAT_MAP_SCALE) * 28 + Math.floor(x / HEAT_MAP_SCALE)];
        const at = (y * map.width + x) * 3;
        const got = [...map.rgb.subarray(at, at + 3)];
        if (got.join() !== hotColour(value as number).join()) {
          expect({ x, y, got }).toEqual({ x, y, got: hotColour(value as number) });
        }
      }
    }
  });
});

import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodeGrayPng, encodeRgbPng } from '../../src/exploration/png.js';

describe('encodeGrayPng / encodeRgbPng', () => {
  it('write PNGs that decode to the same pixels', () => {
    const pixels = Uint8Array.from({ length: 6 * 4 }, (_, i) => (i * 37) % 256);
    const gray = PNG.sync.read(encodeGrayPng({ width: 6, height: 4, pixels }));
    expect([gray.width, gray.height]).toEqual([6, 4]);
    pixels.forEach((value, i) => {
      expect([...gray.data.subarray(i * 4, i * 4 + 4)]).toEqual([value, value, value, 255]);
    });

    const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => (i * 53) % 256);
    const colour = PNG.sync.read(encodeRgbPng({ width: 3, height: 2, rgb }));
    expect([colour.width, colour.height]).toEqual([3, 2]);
    for (let i = 0; i < 6; i++) {
      expect([...colour.data.subarray(i * 4, i * 4 + 4)]).toEqual([
        ...rgb.subarray(i * 3, i * 3 + 3),
        255,
      ]);
    }
  });

  it('refuses pixel data of the wrong size', () => {
    expect(() => encodeGrayPng({ width: 3, height: 3, pixels: new Uint8Array(8) })).toThrow(
      /8 bytes do not make a 3x3 image of 1 channel/,
    );
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelledImageSet } from '../../src/data/index.js';
import {
  firstRowsPerClass,
  GAP_GREY,
  GRID_GAP,
  MAX_OUTPUT_PIXELS,
  renderGrid,
  scaledImage,
} from '../../src/exploration/image-grid.js';
import { firstRealImages } from '../support/dataset-files.js';

let set: LabelledImageSet;

beforeAll(async () => {
  ({ train: set } = await firstRealImages(120, 0));
});

/** The rows of `label` in set order, found by a plain scan. */
const rowsOf = (labels: Uint8Array, label: number) =>
  [...labels.keys()].filter((row) => labels[row] === label);

const pixelOf = (image: LabelledImageSet, row: number, y: number, x: number) =>
  image.images[row * image.width * image.height + y * image.width + x];

describe('firstRowsPerClass', () => {
  it('picks the first rows of every label in set order, fewer when a label runs out', () => {
    const rows = firstRowsPerClass(set.labels, 11, 4);
    expect(rows).toHaveLength(11);
    for (let label = 0; label < 10; label++) {
      expect(rows[label]).toEqual(rowsOf(set.labels, label).slice(0, 4));
      expect(rows[label]).toHaveLength(4);
    }
    // No image has label 10.
    expect(rows[10]).toEqual([]);
    expect(firstRowsPerClass(set.labels, 11, 4)).toEqual(rows);
  });
});

describe('renderGrid', () => {
  it('puts each image, scaled, in its cell, with grey gaps and black empty cells', () => {
    const rows = firstRowsPerClass(set.labels, 3, 5);
    rows[2] = rows[2]?.slice(0, 3) ?? [];
    const scale = 3;
    const grid = renderGrid(set, rows, 5, scale);
    const cell = 28 * scale;
    expect(grid.width).toBe(5 * cell + 4 * GRID_GAP);
    expect(grid.height).toBe(3 * cell + 2 * GRID_GAP);
    const at = (x: number, y: number) => grid.pixels[y * grid.width + x];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 5; c++) {
        const row = rows[r]?.[c];
        for (let y = 0; y < cell; y++) {
          for (let x = 0; x < cell; x++) {
            const expected =
              row === undefined
                ? 0
                : pixelOf(set, row, Math.floor(y / scale), Math.floor(x / scale));
            const got = at(c * (cell + GRID_GAP) + x, r * (cell + GRID_GAP) + y);
            if (got !== expected)
              expect({ r, c, x, y, got }).toEqual({ r, c, x, y, got: expected });
          }
        }
      }
    }
    expect(at(cell, 0)).toBe(GAP_GREY);
    expect(at(cell + GRID_GAP - 1, 10)).toBe(GAP_GREY);
    expect(at(10, cell + 1)).toBe(GAP_GREY);
  });
});

describe('scaledImage', () => {
  it('repeats every pixel scale x scale times', () => {
    for (const scale of [1, 4]) {
      const image = scaledImage(set, 7, scale);
      expect([image.width, image.height]).toEqual([28 * scale, 28 * scale]);
      image.pixels.forEach((value, i) => {
        const y = Math.floor(i / image.width);
        const x = i % image.width;
        if (value !== pixelOf(set, 7, Math.floor(y / scale), Math.floor(x / scale))) {
          expect({ x, y, value }).toBe('equal to the source pixel');
        }
      });
    }
  });
});

describe('picture size limit', () => {
  it('refuses to draw more than MAX_OUTPUT_PIXELS, before allocating them', () => {
    // 1000x1000 images, as an IDX upload may hold.
    const large = {
      ...set,
      height: 1000,
      width: 1000,
      images: new Uint8Array(2_000_000),
      count: 2,
    };
    expect(() => scaledImage(large, 0, 5)).toThrow(
      expect.objectContaining({ code: 'PICTURE_TOO_LARGE' }),
    );
    expect(() => renderGrid(large, [[0], [1]], 10, 1)).toThrow(
      /would be 10018x2002 pixels, more than the 16777216 allowed/,
    );
    expect(scaledImage(large, 0, 1).width).toBe(1000);
    expect(MAX_OUTPUT_PIXELS).toBeGreaterThan(20 * (224 + GRID_GAP) * 10 * (224 + GRID_GAP));
  });
});

import type { LabelledImageSet } from '../data/index.js';
import { ExplorationError } from './errors.js';
import type { GrayImage } from './png.js';

/** Pixels between the cells of a grid, not scaled with the images. */
export const GRID_GAP = 2;
/**
 * Grey of the gaps: Fashion-MNIST's backgrounds are black, so black gaps would merge
 * neighbouring images into one picture; a dark grey separates them without outshining them.
 */
export const GAP_GREY = 80;
/**
 * Largest picture drawn, as for images a client sends. Fashion-MNIST's largest grid (20 per
 * class at scale 8) has 10 million pixels; an upload of large images at a large scale could
 * otherwise ask for gigabytes.
 */
export const MAX_OUTPUT_PIXELS = 4096 * 4096;

/**
 * For each label 0..classes-1, the rows of its first `perClass` images in set order (fewer
 * when the set holds fewer). The same set always gives the same choice.
 */
export function firstRowsPerClass(
  labels: Uint8Array,
  classes: number,
  perClass: number,
): number[][] {
  const rows: number[][] = Array.from({ length: classes }, () => []);
  let missing = classes * perClass;
  for (let row = 0; row < labels.length && missing > 0; row++) {
    const chosen = rows[labels[row] as number];
    if (chosen && chosen.length < perClass) {
      chosen.push(row);
      missing--;
    }
  }
  return rows;
}

/**
 * One grid row per entry of `rows` and one cell per image, `perClass` cells wide, each image
 * enlarged `scale` times by repeating pixels. Cells without an image stay black.
 */
export function renderGrid(
  set: LabelledImageSet,
  rows: readonly (readonly number[])[],
  perClass: number,
  scale: number,
): GrayImage {
  const cellWidth = set.width * scale;
  const cellHeight = set.height * scale;
  const width = gridExtent(perClass, cellWidth);
  const height = gridExtent(rows.length, cellHeight);
  assertDrawable(width, height);
  const pixels = new Uint8Array(width * height).fill(GAP_GREY);
  rows.forEach((chosen, r) => {
    for (let c = 0; c < perClass; c++) {
      const left = c * (cellWidth + GRID_GAP);
      const top = r * (cellHeight + GRID_GAP);
      const row = chosen[c];
      if (row === undefined) fillCell(pixels, width, left, top, cellWidth, cellHeight);
      else drawScaled(set, row, scale, { pixels, width, height }, left, top);
    }
  });
  return { width, height, pixels };
}

/** Image `row` of the set, enlarged `scale` times by repeating pixels. */
export function scaledImage(set: LabelledImageSet, row: number, scale: number): GrayImage {
  const width = set.width * scale;
  const height = set.height * scale;
  assertDrawable(width, height);
  const target = { width, height, pixels: new Uint8Array(width * height) };
  drawScaled(set, row, scale, target, 0, 0);
  return target;
}

function assertDrawable(width: number, height: number): void {
  if (width * height > MAX_OUTPUT_PIXELS) {
    throw new ExplorationError(
      'PICTURE_TOO_LARGE',
      `the picture would be ${width}x${height} pixels, more than the ${MAX_OUTPUT_PIXELS} allowed; ask for a smaller scale or fewer images per class`,
    );
  }
}

function gridExtent(cells: number, cellSize: number): number {
  return cells === 0 ? 0 : cells * cellSize + (cells - 1) * GRID_GAP;
}

function drawScaled(
  set: LabelledImageSet,
  row: number,
  scale: number,
  target: GrayImage,
  left: number,
  top: number,
): void {
  const size = set.width * set.height;
  const source = set.images.subarray(row * size, (row + 1) * size);
  for (let y = 0; y < set.height * scale; y++) {
    const sourceRow = Math.floor(y / scale) * set.width;
    const offset = (top + y) * target.width + left;
    for (let x = 0; x < set.width * scale; x++) {
      target.pixels[offset + x] = source[sourceRow + Math.floor(x / scale)] as number;
    }
  }
}

function fillCell(
  pixels: Uint8Array,
  width: number,
  left: number,
  top: number,
  cellWidth: number,
  cellHeight: number,
): void {
  for (let y = 0; y < cellHeight; y++) {
    const start = (top + y) * width + left;
    pixels.fill(0, start, start + cellWidth);
  }
}

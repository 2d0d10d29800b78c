import { encodeGrayPng } from '../exploration/png.js';
import { html, type SafeHtml } from './html.js';

/** Encodes 8-bit grayscale pixels, row-major, as a PNG. */
export function grayscalePng(pixels: Uint8Array, width: number, height: number): Buffer {
  if (pixels.length !== width * height) {
    throw new RangeError(
      `expected ${width * height} pixels for ${width}x${height}, got ${pixels.length}`,
    );
  }
  return encodeGrayPng({ width, height, pixels });
}

export interface ImageOptions {
  width?: number;
  height?: number;
  alt: string;
  /** Displayed size as a multiple of the pixel size; 28 pixels are too small to see. */
  scale?: number;
}

/**
 * A grayscale image inlined as a data URL, so the page needs no second request and stays
 * whole when saved. It is drawn with square pixels rather than smoothed when enlarged.
 */
export function grayscaleImage(pixels: Uint8Array, opts: ImageOptions): SafeHtml {
  const { width = 28, height = 28, scale = 3 } = opts;
  const data = grayscalePng(pixels, width, height).toString('base64');
  return html`<img class="pixels" src="data:image/png;base64,${data}" width="${width * scale}" height="${height * scale}" alt="${opts.alt}">`;
}

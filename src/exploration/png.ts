import { PNG } from 'pngjs';

/** An 8-bit single-channel image, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** An 8-bit RGB image, row-major, three bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** A grayscale PNG: a quarter of the bytes of RGBA for pictures that have no colour. */
export function encodeGrayPng(image: GrayImage): Buffer {
  return encode(image.width, image.height, image.pixels, 0);
}

export function encodeRgbPng(image: RgbImage): Buffer {
  return encode(image.width, image.height, image.rgb, 2);
}

function encode(width: number, height: number, data: Uint8Array, colorType: 0 | 2): Buffer {
  const channels = colorType === 0 ? 1 : 3;
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `${data.length} bytes do not make a ${width}x${height} image of ${channels} channel(s)`,
    );
  }
  const options = {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
    bitDepth: 8 as const,
  };
  const png = new PNG({ width, height, ...options });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return PNG.sync.write(png, options);
}

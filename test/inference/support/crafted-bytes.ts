import { crc32, deflateSync } from 'node:zlib';
import { ADAM7 } from '../../../src/inference/png-pixel-data.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A well-formed 67-byte PNG (signature, IHDR, one IDAT, IEND) whose header declares
 * `width` x `height` 8-bit greyscale, but whose pixel data holds one pixel.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const idat = deflateSync(Buffer.from([0, 0]));
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An Adam7-interlaced 8-bit greyscale PNG (pngjs only writes non-interlaced ones). */
export function interlacedGrayPng(gray: Uint8Array, width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 1], 8);
  const scanlines: number[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    if (x0 >= width || y0 >= height) continue;
    for (let y = y0; y < height; y += dy) {
      scanlines.push(0);
      for (let x = x0; x < width; x += dx) scanlines.push(gray[y * width + x] ?? 0);
    }
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from(scanlines))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A greyscale PNG whose IDAT inflates to `extra` bytes more than the image needs. */
export function grayPngWithSurplusData(gray: Uint8Array, width: number, extra: number): Buffer {
  const height = gray.length / width;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const scanlines: number[] = [];
  for (let y = 0; y < height; y++) scanlines.push(0, ...gray.subarray(y * width, (y + 1) * width));
  const data = Buffer.concat([Buffer.from(scanlines), Buffer.alloc(extra, 7)]);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(data)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** SOI, a JFIF APP0 segment and a baseline SOF0 declaring `width` x `height`, then nothing. */
export function jpegHeaderDeclaring(width: number, height: number): Buffer {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const sof0 = [0xff, 0xc0, 0x00, 0x0b, 8, height >> 8, height & 0xff, width >> 8, width & 0xff];
  return Buffer.from([0xff, 0xd8, ...app0, ...sof0, 1, 1, 0x11, 0]);
}

/** Minimal files of formats we refuse. */
export const GIF_BYTES = Buffer.concat([
  Buffer.from('GIF89a', 'ascii'),
  Buffer.from([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0]),
  Buffer.from([0, 2, 2, 0x44, 0x01, 0, 0x3b]),
]);

export const BMP_BYTES = Buffer.concat([
  Buffer.from('BM', 'ascii'),
  Buffer.from([58, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]),
  Buffer.alloc(32),
]);

export const TEXT_BYTES = Buffer.from('{"not": "an image"}\n', 'utf8');

/** A lossless 1x1 WebP (RIFF container, VP8L chunk). */
export const WEBP_BYTES = Buffer.concat([
  Buffer.from('RIFF', 'ascii'),
  Buffer.from([26, 0, 0, 0]),
  Buffer.from('WEBPVP8L', 'ascii'),
  Buffer.from([13, 0, 0, 0, 0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07]),
  Buffer.alloc(1),
]);

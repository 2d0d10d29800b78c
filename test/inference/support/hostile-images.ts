import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

/**
 * A greyscale PNG of `width` x `height` black pixels, its IDAT built with zlib: rows of zeros
 * compress about a thousandfold, so 1 x 16,777,216 pixels take some 32 KB.
 */
export function blackPng(width: number, height: number): Buffer {
  const rowBytes = width + 1; // filter byte + one byte per 8-bit grey pixel
  const raw = Buffer.alloc(rowBytes * height);
  return pngFrom(width, height, deflateSync(raw, { level: 9 }));
}

/** A width x height PNG of random grey pixels: large, valid and slow to decode. */
export function noisePng(width: number, height: number, seed = 1): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  let state = seed;
  const gray = Buffer.alloc(width * height);
  for (let i = 0; i < gray.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    gray[i] = state >>> 24;
  }
  png.data = gray;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 });
}

function pngFrom(width: number, height: number, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A greyscale progressive JPEG (SOF2) of `width` x `height`: one DC scan, then `acScans` AC
 * scans that each say "every block is empty" in a few bytes (end-of-band runs). A decoder
 * still visits every block in every scan, so the cost grows with scans x blocks while the file
 * grows by some 30 bytes a scan.
 */
export function manyScanJpeg(width: number, height: number, acScans: number): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  parts.push(segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])));
  const frame = Buffer.alloc(9);
  frame[0] = 8;
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  frame[5] = 1; // one component
  frame[6] = 1; // id
  frame[7] = 0x11; // 1x1 sampling
  frame[8] = 0; // quantisation table 0
  parts.push(segment(0xc2, frame));
  // DC table 0: one 1-bit code for category 0 (difference 0).
  parts.push(segment(0xc4, huffmanTable(0x00, 0x00)));
  // AC table 0: one 1-bit code for EOB14, a run of 2^14 + 14 extra bits of blocks.
  parts.push(segment(0xc4, huffmanTable(0x10, 0xe0)));
  // DC first scan: one 0 bit per block.
  parts.push(segment(0xda, Buffer.from([1, 1, 0x00, 0, 0, 0])));
  parts.push(stuffed(bitsOf(Array.from({ length: blocks }, () => [0, 1] as const))));
  const runs = Math.ceil(blocks / 32767);
  const acData = stuffed(
    bitsOf(Array.from({ length: runs }, () => [[0, 1] as const, [0x3fff, 14] as const]).flat()),
  );
  const acHeader = segment(0xda, Buffer.from([1, 1, 0x00, 1, 63, 0]));
  for (let i = 0; i < acScans; i++) parts.push(acHeader, acData);
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

function segment(marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/** A Huffman table (class and id in `tableClass`) with one code of length 1 for `symbol`. */
function huffmanTable(tableClass: number, symbol: number): Buffer {
  const counts = Buffer.alloc(16);
  counts[0] = 1;
  return Buffer.concat([Buffer.from([tableClass]), counts, Buffer.from([symbol])]);
}

/** Packs `[value, bitCount]` pairs most significant bit first, padding the end with 1s. */
function bitsOf(fields: ReadonlyArray<readonly [number, number]>): Buffer {
  const bytes: number[] = [];
  let current = 0;
  let used = 0;
  for (const [value, count] of fields) {
    for (let bit = count - 1; bit >= 0; bit--) {
      current = (current << 1) | ((value >> bit) & 1);
      if (++used === 8) {
        bytes.push(current);
        current = 0;
        used = 0;
      }
    }
  }
  if (used > 0) bytes.push((current << (8 - used)) | ((1 << (8 - used)) - 1));
  return Buffer.from(bytes);
}

/** Entropy-coded data escapes each 0xFF byte as 0xFF 0x00. */
function stuffed(data: Buffer): Buffer {
  const out: number[] = [];
  for (const byte of data) {
    out.push(byte);
    if (byte === 0xff) out.push(0);
  }
  return Buffer.from(out);
}

import { InputError } from './errors.js';
import { countJpegScans } from './jpeg-scans.js';

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

export interface ImageLimits {
  /** Largest width x height an image may declare; checked before any decoding. */
  maxPixels?: number;
  /** Largest sum of width x height over the images of one request; checked before any decoding. */
  maxTotalPixels?: number;
  /**
   * Largest width and largest height. The pixel budget alone admits 1 x 16,777,216, whose
   * 16 million rows cost pngjs about 13 s; a side bound keeps the per-row work bounded too.
   */
  maxSide?: number;
  /** Most scans a JPEG may hold; each one costs a pass over every block of the image. */
  maxJpegScans?: number;
}

/** 4096 x 4096: far above what a 28x28 classifier needs, and about 64 MB once decoded to RGBA. */
export const DEFAULT_MAX_PIXELS = 4096 * 4096;

/**
 * Four images at the per-image limit. Decoding runs on the event loop, at about 0.1 us per
 * pixel for PNG and 0.25 us for JPEG, so without a per-request bound 64 uploads at the
 * per-image limit would hold it for minutes.
 */
export const DEFAULT_MAX_TOTAL_PIXELS = 4 * DEFAULT_MAX_PIXELS;

/** The side of the largest square the pixel budget allows. */
export const DEFAULT_MAX_SIDE = 4096;

/**
 * A baseline JPEG has 1 scan, libjpeg's progressive scripts 6 (grey) to 10 (colour); 100
 * leaves room for unusual encoders while a scan over a 4096x4096 image costs about 2 ms.
 */
export const DEFAULT_MAX_JPEG_SCANS = 100;

export const ACCEPTED_FORMATS = 'PNG or JPEG';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** Formats we recognise only to name them when refusing them. */
const OTHER_FORMATS: ReadonlyArray<{ name: string; matches(bytes: Uint8Array): boolean }> = [
  { name: 'GIF', matches: (b) => startsWithAscii(b, 'GIF87a') || startsWithAscii(b, 'GIF89a') },
  { name: 'BMP', matches: (b) => startsWithAscii(b, 'BM') },
  { name: 'WebP', matches: (b) => startsWithAscii(b, 'RIFF') && asciiAt(b, 8, 4) === 'WEBP' },
  {
    name: 'TIFF',
    matches: (b) =>
      startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]),
  },
  { name: 'HEIF/AVIF', matches: (b) => asciiAt(b, 4, 4) === 'ftyp' },
  { name: 'ICO', matches: (b) => startsWith(b, [0x00, 0x00, 0x01, 0x00]) },
];

/** The image format from the content's magic bytes; a file name or Content-Type is never trusted. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) throw new InputError('IMAGE_CORRUPT', 'image is empty (0 bytes)');
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'jpeg';
  if (isPrefixOf(bytes, PNG_SIGNATURE) || isPrefixOf(bytes, JPEG_SIGNATURE)) {
    throw new InputError('IMAGE_CORRUPT', `image is truncated: only ${bytes.length} bytes`);
  }
  const other = OTHER_FORMATS.find((format) => format.matches(bytes));
  const what = other ? `${other.name} images are` : 'this content is';
  throw new InputError(
    'IMAGE_NOT_SUPPORTED',
    `${what} not supported; send a ${ACCEPTED_FORMATS} image (recognised by its content, not its name or type)`,
  );
}

/**
 * Detects the format and reads the declared size from the header alone, then enforces
 * `maxPixels` and `maxSide` (and for a JPEG `maxJpegScans`), so an image whose decoding would
 * be huge is refused before a decoder allocates or works for it.
 */
export function readImageHeader(bytes: Uint8Array, limits: ImageLimits = {}): ImageHeader {
  const format = detectImageFormat(bytes);
  const { width, height } = format === 'png' ? readPngSize(bytes) : readJpegSize(bytes);
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) {
    throw new InputError(
      'IMAGE_TOO_LARGE',
      `image declares ${width}x${height} (${withCommas(width * height)} pixels), more than the limit of ${withCommas(maxPixels)} pixels; scale it down (the model sees 28x28)`,
    );
  }
  const maxSide = limits.maxSide ?? DEFAULT_MAX_SIDE;
  if (width > maxSide || height > maxSide) {
    throw new InputError(
      'IMAGE_TOO_LARGE',
      `image declares ${width}x${height}; each side may be at most ${maxSide} pixels; scale it down (the model sees 28x28)`,
    );
  }
  if (format === 'jpeg') assertJpegScans(bytes, limits.maxJpegScans ?? DEFAULT_MAX_JPEG_SCANS);
  return { format, width, height };
}

/** Counting stops one past the limit: a hostile file costs the same as a file at the limit. */
function assertJpegScans(bytes: Uint8Array, maxScans: number): void {
  const scans = countJpegScans(bytes, maxScans);
  if (scans > maxScans) {
    throw new InputError(
      'IMAGE_TOO_COMPLEX',
      `JPEG holds more than ${withCommas(maxScans)} scans, the limit (a baseline JPEG has 1, a progressive one about 10); re-encode it or send a PNG`,
    );
  }
}

/** Refuses a request whose images together declare more than `maxTotalPixels`. */
export function assertTotalPixels(headers: readonly ImageHeader[], limits: ImageLimits = {}): void {
  const maxTotalPixels = limits.maxTotalPixels ?? DEFAULT_MAX_TOTAL_PIXELS;
  const total = headers.reduce((sum, { width, height }) => sum + width * height, 0);
  if (total > maxTotalPixels) {
    throw new InputError(
      'IMAGE_TOO_LARGE',
      `the ${headers.length} images declare ${withCommas(total)} pixels in total, more than the limit of ${withCommas(maxTotalPixels)} per request; send fewer or smaller images (the model sees 28x28)`,
    );
  }
}

/** PNG: the signature is followed by the IHDR chunk, whose data starts with width and height. */
function readPngSize(bytes: Uint8Array): { width: number; height: number } {
  const ihdrEnd = 8 + 8 + 13;
  if (bytes.length < ihdrEnd) {
    throw new InputError(
      'IMAGE_CORRUPT',
      `PNG is truncated: ${bytes.length} bytes, no complete header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || asciiAt(bytes, 12, 4) !== 'IHDR') {
    throw new InputError('IMAGE_CORRUPT', 'PNG does not start with a valid IHDR header chunk');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  // The PNG spec caps dimensions at 2^31 - 1.
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new InputError('IMAGE_CORRUPT', `PNG header declares an invalid size ${width}x${height}`);
  }
  return { width, height };
}

/** JPEG: walk the marker segments after SOI until a start-of-frame (SOFn) marker. */
function readJpegSize(bytes: Uint8Array): { width: number; height: number } {
  const truncated = () =>
    new InputError('IMAGE_CORRUPT', 'JPEG is truncated or malformed: no frame header found');
  let offset = 2;
  for (;;) {
    if (offset >= bytes.length) throw truncated();
    if (bytes[offset] !== 0xff) {
      throw new InputError(
        'IMAGE_CORRUPT',
        `JPEG is malformed: expected a marker at byte ${offset}`,
      );
    }
    // Any number of 0xFF fill bytes may precede a marker code.
    while (bytes[offset] === 0xff) offset++;
    const marker = bytes[offset++];
    if (marker === undefined) throw truncated();
    if (isStandaloneMarker(marker)) continue;
    if (marker === 0xd9 || marker === 0xda) throw truncated();
    if (offset + 2 > bytes.length) throw truncated();
    const length = ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
    if (length < 2) throw new InputError('IMAGE_CORRUPT', 'JPEG is malformed: bad segment length');
    if (isStartOfFrame(marker)) return readJpegFrameSize(bytes, offset, marker);
    offset += length;
  }
}

function readJpegFrameSize(
  bytes: Uint8Array,
  offset: number,
  marker: number,
): { width: number; height: number } {
  // Segment: length (2), sample precision (1), height (2), width (2), ...
  if (offset + 7 > bytes.length) {
    throw new InputError('IMAGE_CORRUPT', 'JPEG is truncated inside its frame header');
  }
  // jpeg-js decodes baseline, extended and progressive Huffman JPEGs only.
  if (marker > 0xc2) {
    throw new InputError(
      'IMAGE_NOT_SUPPORTED',
      'lossless, hierarchical and arithmetic-coded JPEGs are not supported; send a baseline or progressive JPEG, or a PNG',
    );
  }
  const height = ((bytes[offset + 3] ?? 0) << 8) | (bytes[offset + 4] ?? 0);
  const width = ((bytes[offset + 5] ?? 0) << 8) | (bytes[offset + 6] ?? 0);
  if (width === 0 || height === 0) {
    // Height 0 means "given later by a DNL marker", which jpeg-js cannot decode either.
    throw new InputError('IMAGE_CORRUPT', `JPEG frame header declares size ${width}x${height}`);
  }
  return { width, height };
}

/** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** TEM and RST0-7 carry no length field. */
function isStandaloneMarker(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

function isPrefixOf(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length < signature.length && bytes.every((byte, i) => signature[i] === byte);
}

function startsWithAscii(bytes: Uint8Array, text: string): boolean {
  return asciiAt(bytes, 0, text.length) === text;
}

function asciiAt(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) return '';
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** Thousands separators without Intl, whose first use costs tens of milliseconds. */
export function withCommas(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

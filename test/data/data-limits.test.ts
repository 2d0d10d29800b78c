import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFashionCsv, scanFashionCsv } from '../../src/data/csv.js';
import { DataFormatError } from '../../src/data/errors.js';
import { readIdxImages, readIdxPair, scanIdxPair } from '../../src/data/idx.js';
import { UPLOAD_DATA_LIMITS } from '../../src/data/limits.js';
import { gzip, idxBytes, idxImages, idxLabels } from './support/idx-bytes.js';
import { useTempDirs } from './support/temp-dir.js';

const makeTempDir = useTempDirs();
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir();
});

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function formatError(promise: Promise<unknown>): Promise<DataFormatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

/** An IDX images header declaring `count` images of 28x28 followed by `bytes` zero bytes. */
const imagesHeader = (count: number, bytes = 0) =>
  Buffer.concat([idxBytes(0x00000803, [count, 28, 28], []), Buffer.alloc(bytes)]);

const limits = UPLOAD_DATA_LIMITS;

describe('IDX limits', () => {
  it('refuses a header declaring more images than the limit, before reading the data', async () => {
    const path = await write('bomb-images.gz', gzip(imagesHeader(2_700_000, 1024 * 1024)));
    const error = await formatError(readIdxImages(path, { limits }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toBe(
      'bomb-images.gz: header declares 2,700,000 images, more than the limit of 200,000 per file',
    );
  });

  it('refuses images larger than the pixel limit, and declared bytes over the byte limit', async () => {
    const big = await write('big.idx', idxBytes(0x00000803, [1, 1000, 1000], []));
    expect((await formatError(readIdxImages(big, { limits }))).message).toBe(
      'big.idx: header declares images of 1000x1000 pixels, more than the limit of 65,536 pixels per image',
    );
    const many = await write('many.idx', imagesHeader(2000));
    const error = await formatError(readIdxImages(many, { limits: { maxFileBytes: 1024 * 1024 } }));
    expect(error.message).toBe(
      'many.idx: header declares 2,000 images of 28x28 (1,568,000 bytes (1.5 MiB)), more than the limit of 1,048,576 bytes (1 MiB) per file',
    );
  });

  it('compares an uncompressed file with its size before allocating what it declares', async () => {
    const path = await write('short.idx', imagesHeader(60_000, 100));
    const error = await formatError(readIdxImages(path));
    expect(error.code).toBe('TRUNCATED');
    expect(error.message).toContain('but only 100 follow the header');
  });

  it('stops a gzip stream as soon as it expands past the byte limit', async () => {
    // 1,000 images declared, 16 MiB of zeros sent: gunzip is stopped after about 1 MiB.
    const path = await write('long.gz', gzip(imagesHeader(1000, 16 * 1024 * 1024)));
    const error = await formatError(readIdxImages(path, { limits: { maxFileBytes: 1024 * 1024 } }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(
      /^long\.gz: expands to more than the limit of 1,048,576 bytes \(1 MiB\) per file when gunzipped \(reading stopped at 1,0\d\d,\d{3} bytes \(1\.0 MiB\)\)$/,
    );
  });

  it('scans a pair to the same counts as reading it, without keeping images', async () => {
    const labels = [0, 9, 5, 5, 1];
    const images = await write('scan-images.gz', gzip(idxImages(5, 2, 3)));
    const labelsPath = await write('scan-labels', idxLabels(labels));
    const read = await readIdxPair(images, labelsPath);
    expect(await scanIdxPair(images, labelsPath, { limits })).toEqual({
      count: read.count,
      height: 2,
      width: 3,
      perClass: [1, 1, 0, 0, 0, 2, 0, 0, 0, 1],
    });
    const bad = await write('scan-bad-labels', idxLabels([0, 1, 12, 3, 4]));
    expect((await formatError(scanIdxPair(images, bad))).message).toBe(
      'scan-bad-labels: label 12 at index 2 is out of range 0..9',
    );
  });
});

describe('CSV limits', () => {
  const header = (pixels: number) =>
    ['label', ...Array.from({ length: pixels }, (_, i) => `pixel${i + 1}`)].join(',');
  const FIVE_MB = 'x'.repeat(5 * 1024 * 1024);

  it('quotes at most 40 characters of a 5 MB field, in the header or a row', async () => {
    const inHeader = await formatError(
      readFashionCsv(await write('header-field.csv', `label,${FIVE_MB}\n`)),
    );
    expect(inHeader.code).toBe('BAD_HEADER');
    expect(inHeader.message).toBe(
      `header-field.csv: line 1: bad header: expected "label,pixel1,pixel2,...", but column 2 is "${'x'.repeat(40)}…"`,
    );

    const inLabel = await formatError(
      readFashionCsv(await write('label-field.csv', `${header(4)}\n${FIVE_MB},0,0,0,0\n`)),
    );
    expect(inLabel.message.length).toBeLessThan(200);
    expect(inLabel.message).toBe(
      'label-field.csv: line 2: the row is longer than 20 bytes, the most a row of label + 4 pixels takes',
    );

    // A 32x32 row leaves room for a long field within the longest possible row.
    const pixels = ['x'.repeat(2000), ...Array.from({ length: 1023 }, () => '0')].join(',');
    const inPixel = await formatError(
      readFashionCsv(await write('pixel-field.csv', `${header(1024)}\n1,${pixels}\n`)),
    );
    expect(inPixel.message).toBe(
      `pixel-field.csv: line 2: pixel1 is "${'x'.repeat(40)}…", expected an integer in 0..255`,
    );
  });

  it('refuses a header with more pixel columns than the limit, before holding it whole', async () => {
    const wide = await write('wide.csv', `${header(300 * 300)}\n`);
    expect((await formatError(readFashionCsv(wide, { limits }))).message).toBe(
      'wide.csv: line 1: the header is longer than 709,798 bytes, the most a header of up to 65,536 pixel columns (the limit of pixels per image) takes',
    );
  });

  it('refuses more rows than the image limit, and a gzip stream past the byte limit', async () => {
    const row = `3,${Array.from({ length: 784 }, () => '0').join(',')}\n`;
    const text = `${header(784)}\n${row.repeat(1200)}`;
    const path = await write('rows.csv.gz', gzip(text));
    const rows = await formatError(readFashionCsv(path, { limits: { maxImages: 1000 } }));
    expect(rows.message).toBe(
      'rows.csv.gz: line 1002: more than 1,000 rows, the limit of images per file',
    );
    const bytes = await formatError(
      scanFashionCsv(path, { limits: { maxFileBytes: 1024 * 1024 } }),
    );
    expect(bytes.code).toBe('TOO_LARGE');
    expect(bytes.message).toContain('expands to more than the limit of 1,048,576 bytes (1 MiB)');
  });

  it('scans a file to its counts per label', async () => {
    const path = await write('scan.csv', `${header(4)}\n3,0,255,17,9\n\n9,1,2,3,4\n3,0,0,0,0\n`);
    expect(await scanFashionCsv(path, { limits })).toEqual({
      count: 3,
      height: 2,
      width: 2,
      perClass: [0, 0, 0, 2, 0, 0, 0, 0, 0, 1],
    });
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/data/errors.js';
import { readIdxImages, readIdxLabels, readIdxPair } from '../../src/data/idx.js';
import { gzip, idxBytes, idxImages, idxLabels } from './support/idx-bytes.js';
import { useTempDirs } from './support/temp-dir.js';

const makeTempDir = useTempDirs();
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir();
});

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
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

describe('readIdxPair', () => {
  const pixels = Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
  const labels = [0, 9, 5];

  it.each([
    ['plain', (b: Buffer) => b, 'images.idx', 'labels.idx'],
    ['gzipped', gzip, 'images.idx.gz', 'labels.idx.gz'],
    // Compression is detected from the content, not the name.
    ['gzipped under plain names', gzip, 'gz-images.idx', 'gz-labels.idx'],
    ['plain under .gz names', (b: Buffer) => b, 'plain-images.gz', 'plain-labels.gz'],
  ])('round-trips %s files', async (_, encode, imagesName, labelsName) => {
    const imagesPath = await write(imagesName, encode(idxImages(3, 2, 4, pixels)));
    const labelsPath = await write(labelsName, encode(idxLabels(labels)));

    const set = await readIdxPair(imagesPath, labelsPath);

    expect(set).toMatchObject({ count: 3, height: 2, width: 4 });
    expect(Array.from(set.images)).toEqual(pixels);
    expect(Array.from(set.labels)).toEqual(labels);
  });

  it('rejects image and label counts that disagree', async () => {
    const imagesPath = await write('three-images', idxImages(3, 2, 2));
    const labelsPath = await write('two-labels', idxLabels([1, 2]));

    const error = await formatError(readIdxPair(imagesPath, labelsPath));

    expect(error.code).toBe('COUNT_MISMATCH');
    expect(error.message).toBe('two-labels: holds 2 labels but three-images holds 3 images');
  });
});

describe('readIdxImages errors', () => {
  it('names the file and both magic numbers when the magic is wrong', async () => {
    const path = await write('train-images-idx3-ubyte.gz', gzip(idxBytes(0x802, [1, 1], [0])));

    const error = await formatError(readIdxImages(path));

    expect(error.code).toBe('WRONG_MAGIC');
    expect(error.message).toBe(
      'train-images-idx3-ubyte.gz: wrong magic number 0x00000802, expected 0x00000803 (IDX images)',
    );
  });

  it('rejects a labels file read as images', async () => {
    const path = await write('labels-as-images', idxLabels([1]));
    const error = await formatError(readIdxImages(path));
    expect(error.message).toContain('wrong magic number 0x00000801, expected 0x00000803');
  });

  it('reports fewer pixels than the header declares', async () => {
    const full = idxImages(3, 2, 4);
    const path = await write('short-images', full.subarray(0, full.length - 5));

    const error = await formatError(readIdxImages(path));

    expect(error.code).toBe('TRUNCATED');
    expect(error.message).toBe(
      'short-images: header declares 3 images of 2x4 (24 bytes) but only 19 follow the header (truncated file)',
    );
  });

  it('reports a file cut inside its header', async () => {
    const path = await write('stub-images', idxImages(3, 2, 4).subarray(0, 6));
    const error = await formatError(readIdxImages(path));
    expect(error.code).toBe('TRUNCATED');
    expect(error.message).toBe(
      'stub-images: file holds only 6 bytes, less than the 16-byte IDX images header',
    );
  });

  it('reports an empty file as truncated', async () => {
    const error = await formatError(readIdxImages(await write('empty-images', new Uint8Array(0))));
    expect(error.code).toBe('TRUNCATED');
  });

  it('reports a gzip stream cut short', async () => {
    const zipped = gzip(idxImages(50, 8, 8));
    const path = await write('cut.gz', zipped.subarray(0, zipped.length - 20));

    const error = await formatError(readIdxImages(path));

    expect(error.code).toBe('TRUNCATED');
    expect(error.message).toContain('cut.gz: gzip data ends unexpectedly');
  });

  it('reports corrupt gzip data', async () => {
    const zipped = gzip(idxImages(50, 8, 8));
    zipped.fill(0xff, 10, 40);
    const error = await formatError(readIdxImages(await write('corrupt.gz', zipped)));
    expect(error.code).toBe('BAD_GZIP');
    expect(error.message).toMatch(/^corrupt\.gz: corrupt gzip data/);
  });

  it('counts trailing bytes', async () => {
    const bytes = Buffer.concat([idxImages(2, 2, 2), Buffer.from([1, 2, 3, 4, 5])]);
    const error = await formatError(readIdxImages(await write('long-images.gz', gzip(bytes))));
    expect(error.code).toBe('TRAILING_BYTES');
    expect(error.message).toBe(
      'long-images.gz: 5 trailing bytes after the 2 images of 2x2 the header declares',
    );
  });
});

describe('readIdxLabels', () => {
  it('rejects a label outside the classes', async () => {
    const path = await write('bad-labels', idxLabels([3, 10, 2]));

    const error = await formatError(readIdxLabels(path));

    expect(error.code).toBe('LABEL_OUT_OF_RANGE');
    expect(error.message).toBe('bad-labels: label 10 at index 1 is out of range 0..9');
  });

  it('honours a custom class count', async () => {
    const path = await write('three-class-labels', idxLabels([0, 2, 1]));
    await expect(readIdxLabels(path, { numClasses: 3 })).resolves.toEqual(
      new Uint8Array([0, 2, 1]),
    );
    const error = await formatError(readIdxLabels(path, { numClasses: 2 }));
    expect(error.message).toContain('label 2 at index 1 is out of range 0..1');
  });
});

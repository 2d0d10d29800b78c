import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFashionCsv } from '../../src/data/csv.js';
import { DataFormatError } from '../../src/data/errors.js';
import { gzip } from './support/idx-bytes.js';
import { useTempDirs } from './support/temp-dir.js';

const makeTempDir = useTempDirs();
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir();
});

const HEADER_2X2 = 'label,pixel1,pixel2,pixel3,pixel4';

async function write(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function csvError(lines: string[], name = 'bad.csv'): Promise<DataFormatError> {
  const error = await readFashionCsv(await write(name, `${lines.join('\n')}\n`)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

describe('readFashionCsv', () => {
  const rows = [HEADER_2X2, '3,0,255,17,9', '9,1,2,3,4'];

  it('reads labels and pixels row by row', async () => {
    const set = await readFashionCsv(await write('small.csv', `${rows.join('\n')}\n`));

    expect(set).toMatchObject({ count: 2, height: 2, width: 2 });
    expect(Array.from(set.labels)).toEqual([3, 9]);
    expect(Array.from(set.images)).toEqual([0, 255, 17, 9, 1, 2, 3, 4]);
  });

  it('reads gzip (detected by content), CRLF line ends and a byte-order mark', async () => {
    const path = await write('small.data', gzip(`\uFEFF${rows.join('\r\n')}`));
    const set = await readFashionCsv(path);
    expect(Array.from(set.labels)).toEqual([3, 9]);
    expect(Array.from(set.images)).toEqual([0, 255, 17, 9, 1, 2, 3, 4]);
  });

  it('derives 28x28 from the 784 pixel columns of the Kaggle layout', async () => {
    const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`)].join(',');
    const row = ['7', ...Array.from({ length: 784 }, (_, i) => String(i % 256))].join(',');
    const set = await readFashionCsv(await write('kaggle.csv', `${header}\n${row}\n${row}\n`));
    expect(set).toMatchObject({ count: 2, height: 28, width: 28 });
    expect(set.images[783]).toBe(783 % 256);
  });

  it('rejects a row with the wrong number of columns, naming the line', async () => {
    const error = await csvError([HEADER_2X2, '1,0,0,0,0', '2,0,0,0']);
    expect(error.code).toBe('WRONG_COLUMN_COUNT');
    expect(error.message).toBe('bad.csv: line 3: expected 5 columns (label + 4 pixels), found 4');
  });

  it.each([
    ['256', 'pixel3 is "256", expected an integer in 0..255'],
    ['1.5', 'pixel3 is "1.5", expected an integer in 0..255'],
    ['-1', 'pixel3 is "-1", expected an integer in 0..255'],
    ['', 'pixel3 is "", expected an integer in 0..255'],
  ])('rejects pixel value "%s"', async (value, detail) => {
    const error = await csvError([HEADER_2X2, '1,0,0,0,0', `1,0,0,${value},0`]);
    expect(error.code).toBe('BAD_PIXEL');
    expect(error.message).toBe(`bad.csv: line 3: ${detail}`);
  });

  it.each(['10', 'x', ''])('rejects label "%s"', async (label) => {
    const error = await csvError([HEADER_2X2, `${label},0,0,0,0`]);
    expect(error.code).toBe('BAD_LABEL');
    expect(error.message).toBe(`bad.csv: line 2: label "${label}" is not an integer in 0..9`);
  });

  it('rejects a bad header', async () => {
    const error = await csvError(['label,pixel1,pixel3,pixel2,pixel4', '1,0,0,0,0']);
    expect(error.code).toBe('BAD_HEADER');
    expect(error.message).toBe(
      'bad.csv: line 1: bad header: expected "label,pixel1,pixel2,...", but column 3 is "pixel3"',
    );
  });

  it('rejects a header without pixel columns', async () => {
    const error = await csvError(['label']);
    expect(error.code).toBe('BAD_HEADER');
    expect(error.message).toContain('no pixel columns');
  });

  it('rejects a pixel count that is not a square', async () => {
    const error = await csvError(['label,pixel1,pixel2,pixel3']);
    expect(error.code).toBe('NOT_SQUARE');
    expect(error.message).toBe(
      'bad.csv: line 1: header has 3 pixel columns, which is not a square number',
    );
  });

  it('rejects an empty file', async () => {
    const error = await readFashionCsv(await write('empty.csv', '')).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'EMPTY',
      message: 'empty.csv: file is empty, expected a header line',
    });
  });
});

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSourceError } from '../../src/data/errors.js';
import { loadFashionMnist, locateFashionMnist } from '../../src/data/fashion-mnist.js';
import {
  FASHION_MNIST_FILES,
  SYSTEM_FASHION_MNIST_DIRS,
} from '../../src/data/fashion-mnist-files.js';
import { SETUP_REQUIRED } from '../support/required.js';
import { type FileServer, serveDirectory } from './support/file-server.js';
import { useTempDirs } from './support/temp-dir.js';

const systemDir = SYSTEM_FASHION_MNIST_DIRS[0] as string;
const makeTempDir = useTempDirs();
const GZ_NAMES = Object.values(FASHION_MNIST_FILES).map((file) => `${file.name}.gz`);
const LABELS_GZ = `${FASHION_MNIST_FILES.testLabels.name}.gz`;

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

async function sourceError(promise: Promise<unknown>): Promise<DataSourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataSourceError);
  return error as DataSourceError;
}

/** A data directory already holding every file except the t10k labels. */
async function dataDirMissingTestLabels(): Promise<string> {
  const dir = await makeTempDir();
  for (const name of GZ_NAMES.filter((name) => name !== LABELS_GZ)) {
    await copyFile(join(systemDir, name), join(dir, name));
  }
  return dir;
}

describe('locateFashionMnist without the real files', () => {
  it('explains what is missing when downloading is disabled', async () => {
    const dataDir = await makeTempDir();
    const error = await sourceError(
      locateFashionMnist({ dataDir, download: false, systemDirs: ['/nonexistent/fashion-mnist'] }),
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe(
      'Fashion-MNIST not found: train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), ' +
        't10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz) missing from ' +
        `${dataDir} and /nonexistent/fashion-mnist, and downloading is disabled (enable it to ` +
        `fetch the files from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ into ${dataDir})`,
    );
  });

  it('prefers the configured directory, accepting uncompressed names', async () => {
    const dataDir = await makeTempDir();
    for (const file of Object.values(FASHION_MNIST_FILES))
      await writeFile(join(dataDir, file.name), '');
    await writeFile(join(dataDir, LABELS_GZ), '');

    const location = await locateFashionMnist({ dataDir, download: false });

    expect(location).toMatchObject({ dir: dataDir, source: 'configured' });
    expect(location.files.trainImages).toBe(join(dataDir, 'train-images-idx3-ubyte'));
    expect(location.files.testLabels).toBe(join(dataDir, LABELS_GZ));
  });

  it('reports network failures from the fetch implementation', async () => {
    const dataDir = await makeTempDir();
    const fetchImpl = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    };
    const error = await sourceError(locateFashionMnist({ dataDir, systemDirs: [], fetchImpl }));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toBe(
      'download of http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz ' +
        'failed: fetch failed: connect ECONNREFUSED',
    );
    expect(await readdir(dataDir)).toEqual([]);
  });
});

// Serves copies of Debian's files, whose gzip wrapping differs from the official archives.
describe.skipIf(!existsSync(systemDir) && !SETUP_REQUIRED)(
  'downloading from a local server',
  () => {
    let server: FileServer;
    let labelsPayload: Buffer;

    beforeAll(async () => {
      const root = await makeTempDir();
      for (const name of GZ_NAMES) await copyFile(join(systemDir, name), join(root, name));
      labelsPayload = gunzipSync(await readFile(join(systemDir, LABELS_GZ)));
      const altered = Buffer.from(labelsPayload);
      altered[8] = ((altered[8] as number) + 1) % 10;
      await mkdir(join(root, 'corrupt'));
      await writeFile(join(root, 'corrupt', LABELS_GZ), gzipSync(altered));
      const zipped = await readFile(join(root, LABELS_GZ));
      await mkdir(join(root, 'truncated'));
      await writeFile(join(root, 'truncated', LABELS_GZ), zipped.subarray(0, zipped.length - 100));
      server = await serveDirectory(root);
    });

    afterAll(async () => {
      await server?.close();
    });

    it('downloads, verifies and loads all four files', async () => {
      const dataDir = join(await makeTempDir(), 'nested', 'data');

      const location = await locateFashionMnist({ dataDir, baseUrl: server.url, systemDirs: [] });

      expect(location).toMatchObject({ dir: dataDir, source: 'downloaded' });
      expect((await readdir(dataDir)).sort()).toEqual([...GZ_NAMES].sort());
      for (const name of GZ_NAMES) {
        expect(md5(await readFile(join(dataDir, name)))).toBe(
          md5(await readFile(join(systemDir, name))),
        );
      }
      const loaded = await loadFashionMnist({ dataDir, download: false, systemDirs: [] });
      expect(loaded.location.source).toBe('configured');
      expect([loaded.train.count, loaded.test.count]).toEqual([60_000, 10_000]);
    });

    it('downloads only what the data directory lacks', async () => {
      const dataDir = await dataDirMissingTestLabels();
      const before = server.requests.length;

      await locateFashionMnist({ dataDir, baseUrl: server.url.slice(0, -1), systemDirs: [] });

      expect(server.requests.slice(before)).toEqual([`/${LABELS_GZ}`]);
      expect(md5(gunzipSync(await readFile(join(dataDir, LABELS_GZ))))).toBe(md5(labelsPayload));
    });

    it.each([
      ['corrupt', /decompressed MD5 [0-9a-f]{32}, expected 15d484375f8d13e6eb1aabb0c3f46965$/],
      [
        'truncated',
        /decompressed MD5 unreadable \(t10k-labels-idx1-ubyte: gzip data ends unexpectedly/,
      ],
    ])('rejects a %s file and leaves nothing behind', async (variant, detail) => {
      const dataDir = await dataDirMissingTestLabels();

      const error = await sourceError(
        locateFashionMnist({ dataDir, baseUrl: `${server.url}${variant}/`, systemDirs: [] }),
      );

      expect(error.code).toBe('CHECKSUM_MISMATCH');
      expect(error.message).toContain(
        `checksum mismatch for ${server.url}${variant}/${LABELS_GZ}: MD5 `,
      );
      expect(error.message).toContain(
        'expected bb300cfdad3c16e7a12a480ee83cd310 (official archive)',
      );
      expect(error.message).toMatch(detail);
      expect((await readdir(dataDir)).sort()).toEqual(
        GZ_NAMES.filter((n) => n !== LABELS_GZ).sort(),
      );
    });

    it('reports HTTP errors and leaves nothing behind', async () => {
      const dataDir = await dataDirMissingTestLabels();

      const error = await sourceError(
        locateFashionMnist({ dataDir, baseUrl: `${server.url}missing/`, systemDirs: [] }),
      );

      expect(error.code).toBe('DOWNLOAD_FAILED');
      expect(error.message).toBe(
        `download of ${server.url}missing/${LABELS_GZ} failed: HTTP 404 Not Found`,
      );
      expect(await readdir(dataDir)).toHaveLength(3);
    });
  },
);

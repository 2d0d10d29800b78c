import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createLocalBlobs } from '../../src/store/local-blobs.js';
import { createS3Blobs } from '../../src/store/s3-blobs.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { type S3Server, startS3Server } from '../support/s3-server.js';
import { storeSuite } from './store-suite.js';

const tempDir = useTempDirs();

storeSuite('local disk', async () => createLocalBlobs(join(await tempDir(), 'store')));

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

// The same suite over HTTP against a real S3-compatible server, each test under its own prefix.
storeSuite('S3 (s3rver over HTTP)', async () =>
  createS3Blobs(s3.config(`suite-${randomBytes(4).toString('hex')}`), {
    cacheDir: join(await tempDir(), 'cache'),
  }),
);

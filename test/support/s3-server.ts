import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig, type S3StorageConfig } from '../../src/config.js';
import { freePort } from './redis-server.js';

const SCRIPT = fileURLToPath(new URL('./s3rver-process.cjs', import.meta.url));
export const S3_BUCKET = 'tailor-test';

/**
 * A real S3-compatible server (s3rver, from npm) in its own process on a free port, with
 * one bucket, storing under a temporary directory. `env(prefix)` is what a tailor process
 * needs to keep everything there, under its own key prefix.
 */
export async function startS3Server() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tailor-s3-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', SCRIPT, dir, String(port), S3_BUCKET],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start in 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    /** The environment of a tailor process that keeps everything under `prefix`. */
    env(prefix = `t-${randomBytes(4).toString('hex')}`): Record<string, string> {
      return {
        TAILOR_STORAGE_URL: `s3://${S3_BUCKET}/${prefix}`,
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        // The SDK's notice that its 2027 releases need Node 22 would fill every test's log.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
    },
    /** The storage settings of `env(prefix)`. */
    config(prefix?: string): S3StorageConfig {
      return readConfig(this.env(prefix)).storage as S3StorageConfig;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type S3Server = Awaited<ReturnType<typeof startS3Server>>;

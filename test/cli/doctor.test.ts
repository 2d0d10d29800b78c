import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_BUCKET, startS3Server } from '../support/s3-server.js';
import { runTailor } from './run-tailor.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-doctor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({
  REDIS_URL: 'redis://127.0.0.1:6379',
  TAILOR_ARTIFACT_DIR: join(dir, 'artifacts'),
  TAILOR_CHECKPOINT_DIR: join(dir, 'checkpoints'),
  TAILOR_DATA_DIR: join(dir, 'data'),
});

describe('tailor doctor', () => {
  it('reports every backend, the one a worker would use, Redis, data and storage', async () => {
    const { code, stdout } = await runTailor(['doctor'], env());
    expect(stdout).toMatch(/^backends \(fastest first\):$/m);
    for (const name of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']) {
      expect(stdout).toMatch(
        new RegExp(`^ {2}(ok|--) {2,4}${name} +(loads(: .+)?|does not load: .+)$`, 'm'),
      );
    }
    expect(stdout).toMatch(/^ {2}ok {4}wasm +loads$/m);
    expect(stdout).toMatch(/training and predict use (tensorflow|wasm) \(TAILOR_BACKEND=auto\)/);
    // Setup builds the compiled step wherever native TensorFlow loads.
    const native = /training and predict use tensorflow /.test(stdout);
    expect(stdout).toMatch(
      native
        ? /^engines:\n {2}ok {4}training step: compiled, one TensorFlow graph per batch \(TAILOR_TRAINING_STEP=auto\), every core/m
        : /^engines:\n {2}-- {4}training step: eager \(TAILOR_TRAINING_STEP=auto\): the compiled step runs on the native backends only, not on wasm$/m,
    );
    expect(stdout).toMatch(
      native
        ? /^ {2}ok {4}predict: 1 inference worker per API process, compiled forward pass, 1 thread each/m
        : /^ {2}ok {4}predict: 1 inference worker per API process, tfjs on wasm/m,
    );
    expect(stdout).toMatch(
      /redis:\n {2}ok {4}redis:\/\/127\.0\.0\.1:6379: Redis \d+\.\d+\.\d+, maxmemory-policy noeviction/,
    );
    expect(stdout).toContain('Fashion-MNIST in /usr/share/datasets/fashion-mnist (system)');
    expect(stdout).toContain(
      `TAILOR_ARTIFACT_DIR ${join(dir, 'artifacts')}: writable (created on first use under ${dir})`,
    );
    expect(stdout.trim().split('\n').at(-1)).toBe('a worker can run here');
    expect(code).toBe(0);
  });

  it('tries an S3 store for real: one object written, read back and removed', async () => {
    const s3 = await startS3Server();
    try {
      const ok = await runTailor(['doctor'], { ...env(), ...s3.env('doctor') });
      expect(ok.stdout).toContain(
        `ok    TAILOR_STORAGE_URL s3://${S3_BUCKET}/doctor (${s3.endpoint}, region us-east-1, path-style): writable`,
      );
      const unreachable = await runTailor(['doctor'], {
        ...env(),
        ...s3.env('doctor'),
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
      });
      expect(unreachable.stdout).toMatch(
        /^ {2}FAIL {2}TAILOR_STORAGE_URL s3:\/\/tailor-test\/doctor \(http:\/\/127\.0\.0\.1:1, .+: not usable \(.+\)$/m,
      );
      expect(unreachable.code).toBe(1);
    } finally {
      await s3.stop();
    }
  });

  it('fails, naming what is wrong, without Redis or with a backend that cannot load', async () => {
    const { code, stdout } = await runTailor(['doctor'], {
      ...env(),
      REDIS_URL: 'redis://127.0.0.1:1',
      TAILOR_BACKEND: 'tensorflow-gpu',
    });
    expect(stdout).toMatch(/^ {2}FAIL {2}redis:\/\/127\.0\.0\.1:1: unreachable \(.+\)$/m);
    expect(stdout).toMatch(/^ {2}FAIL {2}tensorflow-gpu +does not load: .+$/m);
    expect(stdout).toMatch(/^ {2}FAIL {2}no usable backend for TAILOR_BACKEND=tensorflow-gpu$/m);
    expect(stdout.trim().split('\n').at(-1)).toBe('a worker cannot run here: see FAIL above');
    expect(code).toBe(1);
  });

  it('fails when the compiled step is asked for where it cannot run', async () => {
    const { code, stdout } = await runTailor(['doctor'], {
      ...env(),
      TAILOR_BACKEND: 'wasm',
      TAILOR_TRAINING_STEP: 'compiled',
      TAILOR_INFERENCE_WORKERS: '2',
    });
    expect(stdout).toMatch(
      /^ {2}FAIL {2}training step: compiled asked for, unavailable \(TAILOR_TRAINING_STEP=compiled\): the compiled step runs on the native backends only, not on wasm$/m,
    );
    expect(stdout).toMatch(
      /^ {2}ok {4}predict: 2 inference workers per API process, tfjs on wasm;/m,
    );
    expect(code).toBe(1);
  });
});

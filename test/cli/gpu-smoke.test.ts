import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_BACKEND } from '../support/native.js';
import { runTailor } from './run-tailor.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-gpu-smoke-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Fashion-MNIST comes from the system copy; nothing is written to the working directory.
const env = () => ({
  TAILOR_DATA_DIR: join(dir, 'data'),
  TAILOR_ARTIFACT_DIR: join(dir, 'artifacts'),
  TAILOR_CHECKPOINT_DIR: join(dir, 'checkpoints'),
});

/** The lines tailor itself wrote to stderr (TensorFlow may log there too). */
const tailorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('tailor:'));

describe('tailor gpu-smoke', () => {
  // No host of the test suite has a GPU that tfjs-node-gpu can use.
  it('fails with one line naming why, where tensorflow-gpu cannot train on a GPU', async () => {
    const { code, stdout, stderr } = await runTailor(['gpu-smoke'], env());
    expect(code).toBe(1);
    const lines = tailorLines(stderr);
    expect(lines).toHaveLength(1);
    expect(stderr.trim().split('\n').at(-1)).toBe(lines[0]);
    expect(lines[0]).toMatch(
      /^tailor: tensorflow-gpu (does not load: .+|loads but TensorFlow sees no GPU and computes on the CPU .+)$/,
    );
    // Nothing was trained.
    expect(stdout).not.toMatch(/img\/s/);
  });

  it('trains the seed model on real images and reports img/s (--allow-cpu checks the command)', async () => {
    const { code, stdout, stderr } = await runTailor(
      ['gpu-smoke', '--allow-cpu', '--batches', '3', '--batch-size', '8'],
      env(),
    );
    expect(tailorLines(stderr)).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^backend ${AUTO_BACKEND}\\b.*$`, 'm'));
    expect(stdout).toMatch(/^device: CPU$/m);
    expect(stdout).toMatch(
      /^data: Fashion-MNIST in \S+ \((configured|system|downloaded)\), 60000 training images$/m,
    );
    expect(stdout).toMatch(/^model: seed CNN, \d+ parameters, Adam, batch 8$/m);
    expect(stdout).toMatch(/^warm-up: 1 batch in \d+\.\d\d s$/m);
    const trained =
      /^trained 3 batches of 8 in (\d+\.\d\d) s: (\d+\.\d) img\/s \(last loss (\d+\.\d{3})\)$/m.exec(
        stdout,
      );
    expect(trained, stdout).not.toBeNull();
    expect(Number(trained?.[2])).toBeGreaterThan(0);
    expect(Number(trained?.[3])).toBeGreaterThan(0);
    expect(stdout.trim().split('\n').at(-1)).toBe(
      `not a GPU check: trained on ${AUTO_BACKEND} on the CPU (--allow-cpu)`,
    );
  });

  it('documents itself and refuses a bad batch count', async () => {
    const help = await runTailor(['help', 'gpu-smoke'], env());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tailor gpu-smoke');
    expect(help.stdout).toContain('docker run --rm --gpus all tailor:gpu gpu-smoke');
    expect(help.stdout).toMatch(/--allow-cpu/);
    const bad = await runTailor(['gpu-smoke', '--batches', '0'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--batches must be an integer >= 1');
  });
});

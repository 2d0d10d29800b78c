import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  BACKENDS,
  BackendError,
  formatBackendReport,
  selectBackend,
} from '../../src/ml/backend.js';

const require = createRequire(import.meta.url);

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

describe('selectBackend', () => {
  it('picks the fastest backend that loads and says why faster ones were skipped', async () => {
    const report = await selectBackend('auto');
    expect(BACKENDS).toContain(report.name);
    expect(tf.getBackend()).toBe(report.tfjsName);
    const faster = BACKENDS.slice(0, BACKENDS.indexOf(report.name));
    expect(report.skipped.map((s) => s.name)).toEqual(faster);
    for (const skipped of report.skipped) {
      const pkg =
        skipped.name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      if (!installed(pkg)) expect(skipped.reason).toBe('package not installed');
    }
    expect(formatBackendReport(report)).toContain(`backend ${report.name}`);
  });

  it('runs the backend it is told to', async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(installed('@tensorflow/tfjs-node-gpu'))(
    'fails with a clear error when the forced backend is not installed',
    async () => {
      const attempt = selectBackend('tensorflow-gpu');
      await expect(attempt).rejects.toBeInstanceOf(BackendError);
      await expect(attempt).rejects.toThrow(
        'no usable tfjs backend (tensorflow-gpu: package not installed)',
      );
    },
  );
});

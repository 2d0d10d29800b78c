import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The Python of the Keras 3 peer virtualenv that scripts/keras-peer.sh makes (setup.sh runs it).
 * Missing, the export tests fail and say how to make it: they never skip, so CI cannot pass
 * without having checked an archive with Keras itself.
 */
export function kerasPeerPython(): string {
  const venv = process.env.KERAS_PEER_DIR ?? '.cache/keras-peer';
  const python = resolve(venv, 'bin/python');
  if (!existsSync(python)) {
    throw new Error(
      `the Keras peer is not installed (${python} is missing); run: bash scripts/keras-peer.sh`,
    );
  }
  return python;
}

export interface KerasAnswer {
  keras_version: string;
  models: Record<string, { predictions: number[][]; layers: string[] }>;
}

/** Loads each `.keras` file with keras.saving.load_model and predicts the [0, 1] images. */
export function kerasPredict(
  models: Record<string, string>,
  images: Float32Array[],
): Promise<KerasAnswer> {
  const python = kerasPeerPython();
  return new Promise((done, fail) => {
    const child = execFile(
      python,
      [resolve('test/export/keras_predict.py')],
      { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (err, stdout, stderr) => {
        if (err) {
          fail(new Error(`the Keras peer failed: ${err.message}\n${stderr.slice(-4000)}`));
          return;
        }
        try {
          done(JSON.parse(stdout) as KerasAnswer);
        } catch (parseErr) {
          // NaN predictions (a scrambled variance, say) are not JSON: a failure, not a crash.
          fail(
            new Error(`the Keras peer's answer is not JSON: ${stdout.slice(0, 200)}`, {
              cause: parseErr,
            }),
          );
        }
      },
    );
    child.stdin?.end(JSON.stringify({ models, images: images.map((image) => Array.from(image)) }));
  });
}

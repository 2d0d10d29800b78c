import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NATIVE_INSTALLED } from '../support/native.js';
import { repoRoot } from './project.js';

/** Runs scripts/native-tensorflow.sh as setup and the image builds do. */
function script(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('bash', ['scripts/native-tensorflow.sh', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TAILOR_NATIVE_REQUIRED: '', TAILOR_TF_WHEEL_SHA256: '', ...env },
  });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

// Only the paths that download nothing: pip would wait minutes for an index it cannot reach.
describe('scripts/native-tensorflow.sh', () => {
  it('refuses a variant it does not know', () => {
    const { code, stderr } = script(['tpu']);
    expect(code).toBe(2);
    expect(stderr).toBe("usage: scripts/native-tensorflow.sh [cpu|gpu] (got 'tpu')");
  });

  it.each([
    [['gpu'], {}],
    [[], { TAILOR_TF_VARIANT: 'gpu' }],
  ])('takes the GPU variant from %j %j, and says in one line why it skips', (args, env) => {
    const { code, stdout, stderr } = script(args, { ...env, TAILOR_NATIVE: '0' });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'native TensorFlow (GPU) not installed: TAILOR_NATIVE=0; the tensorflow-gpu backend is unavailable',
    );
  });

  it('fails instead with TAILOR_NATIVE_REQUIRED=1, as the image builds run it', () => {
    const { code, stderr } = script(['cpu'], { TAILOR_NATIVE: '0', TAILOR_NATIVE_REQUIRED: '1' });
    expect(code).toBe(1);
    expect(stderr).toBe('native TensorFlow not installed: TAILOR_NATIVE=0');
  });

  it('rejects a TAILOR_TF_WHEEL_SHA256 that is not a SHA-256 before fetching anything', () => {
    const { code, stderr } = script(['gpu'], {
      TAILOR_TF_WHEEL_SHA256: 'not-a-checksum',
      TAILOR_NATIVE_REQUIRED: '1',
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'native TensorFlow (GPU) not installed: TAILOR_TF_WHEEL_SHA256 is not a SHA-256 (64 hex digits)',
    );
  });

  it.runIf(NATIVE_INSTALLED)('leaves a working CPU install alone (what setup runs)', () => {
    const { code, stdout, stderr } = script([]);
    expect(stderr).toBe('');
    expect(stdout).toBe('native TensorFlow 2.21.0 ready (tfjs-node 4.22.0)');
    expect(code).toBe(0);
  });
});

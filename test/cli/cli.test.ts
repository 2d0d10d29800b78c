import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTailor } from './run-tailor.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-cli-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tailor summary', () => {
  it('prints the seed notebook table for the default spec', async () => {
    const { code, stdout } = await runTailor(['summary']);
    expect(code).toBe(0);
    const seed = await readFile('test/fixtures/seed-summary.txt', 'utf8');
    expect(stdout.trimEnd()).toBe(seed.trimEnd());
  });

  it('reads the notebook dictionaries from a file', async () => {
    const file = join(dir, 'dicts.json');
    await writeFile(
      file,
      JSON.stringify({ conv_params: { conv0: { conv0_channels: 16, conv0_pool: 2 } } }),
    );
    const { code, stdout } = await runTailor(['summary', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('conv0 (Conv2D)               (None, 28, 28, 16)        160');
    expect(stdout).not.toContain('conv1 (Conv2D)');
  });

  it('names the field of an invalid spec', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ conv: [{ channels: 0 }] }));
    const { code, stderr } = await runTailor(['summary', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^tailor: conv\[0\]\.channels: /);
  });
});

describe('tailor train', () => {
  it('documents every option in --help', async () => {
    const { code, stdout } = await runTailor(['train', '--help']);
    expect(code).toBe(0);
    for (const option of [
      '--epochs',
      '--batch-size',
      '--seed',
      '--backend',
      '--resume',
      '--json',
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it.each([
    [['--epochs', '0'], /--epochs: must be >= 1, got '0'/],
    [['--epochs', '2.5'], /--epochs: must be integer, got '2.5'/],
    [
      ['--optimizer', 'adamax'],
      /--optimizer must be one of adam, adamw, sgd, rmsprop; got 'adamax'/,
    ],
    [['--colour'], /Unknown option '--colour'/],
    [
      ['--train-images', 'x'],
      /IDX training also needs --train-labels, --test-images, --test-labels/,
    ],
    [['--resume'], /--resume needs --checkpoint-dir/],
  ])('rejects %j with a usage message', async (args, message) => {
    const { code, stderr } = await runTailor(['train', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('reports a corrupt data file by name', async () => {
    const csv = join(dir, 'bad.csv');
    await writeFile(csv, 'label,pixel1\n3,0,0\n');
    const { code, stderr } = await runTailor(['train', '--train-csv', csv, '--test-csv', csv]);
    expect(code).toBe(1);
    expect(stderr).toContain('bad.csv');
  });

  it.each(['serve', 'worker', 'start'])(
    '%s with Redis unreachable exits 1 with one line naming it',
    async (kind) => {
      const { code, stderr } = await runTailor([kind], {
        REDIS_URL: 'redis://127.0.0.1:1',
        LOG_LEVEL: 'silent',
      });
      expect(stderr).toMatch(
        /^tailor: Redis at redis:\/\/127\.0\.0\.1:1 is unreachable \(.+\); start it or set REDIS_URL\n$/,
      );
      expect(code).toBe(1);
    },
  );

  it('trains on a subset and prints the seed figures and where checkpoints went', async () => {
    const checkpoints = join(dir, 'run');
    const { code, stdout, stderr } = await runTailor([
      'train',
      '--train-size',
      '300',
      '--val-size',
      '200',
      '--test-size',
      '200',
      '--seed',
      '4',
      '--workers',
      '1',
      '--checkpoint-dir',
      checkpoints,
      '--json',
    ]);
    expect(stderr).toContain('Train on 300 samples, validate on 200 samples');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.history).toHaveLength(1);
    expect(result.test.count).toBe(200);
    expect(stderr).toContain(`best_val_acc: ${result.bestValAcc.toFixed(4)}`);
    expect(stderr).toContain(`test_acc: ${result.test.accuracy.toFixed(4)} on 200 images`);
    expect(await readdir(checkpoints)).toContain('state-epoch-01');
  });
});

describe('tailor sample', () => {
  it('writes a real test image as a 28x28 PNG and names its class', async () => {
    const file = join(dir, 'trouser.png');
    const { code, stdout } = await runTailor(['sample', '--index', '3', '--out', file]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${file}: test image 3, label 1 (Trouser)\n`);
    const png = await readFile(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(28);
    const { code: bad, stderr } = await runTailor(['sample', '--index', '10000']);
    expect(bad).toBe(2);
    expect(stderr).toContain('--index must be below 10000, got 10000');
  });
});

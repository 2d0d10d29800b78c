import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatasetStore } from '../../src/store/dataset-store.js';
import { stagingName } from '../../src/store/upload-staging.js';
import { useTempDirs } from '../data/support/temp-dir.js';

const tempDir = useTempDirs();
const alive = spawn('sleep', ['60']);
afterAll(() => alive.kill());

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid as number;
}

async function stage(root: string, name: string, ageMs = 0): Promise<void> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train.csv'), 'label,pixel1\n');
  const when = new Date(Date.now() - ageMs);
  await utimes(join(dir, 'train.csv'), when, when);
  await utimes(dir, when, when);
}

describe('staging directories of interrupted uploads', () => {
  it('names a staging directory after its host and process', () => {
    expect(stagingName()).toMatch(
      new RegExp(`^\\.tmp-upload-${hostname()}-${process.pid}-[0-9a-f]{12}$`),
    );
  });

  it('removes those whose process is gone, or is this process, and stale ones of other hosts', async () => {
    const root = join(await tempDir(), 'datasets');
    const host = hostname();
    const rand = 'a1b2c3d4e5f6';
    const day = 24 * 60 * 60 * 1000;
    const dead = `.tmp-upload-${host}-${await deadPid()}-${rand}`;
    const restarted = `.tmp-upload-${host}-${process.pid}-${rand}`;
    const running = `.tmp-upload-${host}-${alive.pid}-${rand}`;
    const foreignStale = `.tmp-upload-other-host-7-${rand}`;
    const foreignFresh = `.tmp-upload-other-host-8-${rand}`;
    const legacy = '.tmp-upload-0123456789ab';
    await stage(root, dead);
    await stage(root, restarted);
    await stage(root, running);
    await stage(root, foreignStale, 2 * day);
    await stage(root, foreignFresh, 60_000);
    await stage(root, legacy, 2 * day);
    await mkdir(join(root, 'ds-0123456789abcdef'));

    const removed = await createDatasetStore(root).removeDeadUploads();

    expect(removed.sort()).toEqual([dead, restarted, foreignStale, legacy].sort());
    expect((await readdir(root)).sort()).toEqual(
      ['ds-0123456789abcdef', running, foreignFresh].sort(),
    );
  });

  it('does nothing when the store has no directory yet', async () => {
    const root = join(await tempDir(), 'absent');
    expect(await createDatasetStore(root).removeDeadUploads()).toEqual([]);
  });
});

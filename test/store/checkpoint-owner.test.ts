import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainerState } from '../../src/ml/train.js';
import { CheckpointOwnerError, fileCheckpoints } from '../../src/store/checkpoints.js';
import { fakeModel } from './fake-model.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-owner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const state: TrainerState = { epoch: 1, history: [], bestValAcc: 0.5, shuffleSeed: 7 };
const snapshot = {
  ...fakeModel(2),
  optimizer: { weightSpecs: [], weightData: new ArrayBuffer(0) },
  state,
};

describe('resumable states with an owner', () => {
  it("resume for their owner only, never for another job's or an unmarked run's", async () => {
    const mine = join(dir, 'mine');
    await fileCheckpoints(mine, '7-1700000000000:aaaa').saveResume(1, snapshot);
    const resumed = await fileCheckpoints(mine, '7-1700000000000:aaaa').loadResume();
    expect(resumed?.state).toEqual(state);
    await expect(fileCheckpoints(mine, '7-1800000000000:bbbb').loadResume()).rejects.toThrow(
      CheckpointOwnerError,
    );
    await expect(fileCheckpoints(mine, '7-1800000000000:bbbb').loadResume()).rejects.toThrow(
      "belongs to '7-1700000000000:aaaa', not to '7-1800000000000:bbbb'; refusing to resume",
    );

    const unmarked = join(dir, 'unmarked');
    await fileCheckpoints(unmarked).saveResume(1, snapshot);
    await expect(fileCheckpoints(unmarked, 'x:1').loadResume()).rejects.toThrow(
      'belongs to an unnamed run',
    );
    // Without an owner, as the command line trains, any state resumes.
    expect((await fileCheckpoints(mine).loadResume())?.state).toEqual(state);
  });
});

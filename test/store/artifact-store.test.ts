import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { fakeModel } from './fake-model.js';

const tempDir = useTempDirs();

/** What the local disk adds to the suite every backend passes (stores.test.ts). */
describe('file artifact store', () => {
  it('does no I/O until used', async () => {
    const root = join(await tempDir(), 'artifacts');
    const store = createFileArtifactStore(root);
    expect(await store.list()).toEqual([]);
    await expect(readdir(root)).rejects.toThrow(/ENOENT/);
  });

  it('lets one of two concurrent puts of an id win, leaving no work files behind', async () => {
    const root = join(await tempDir(), 'artifacts');
    const store = createFileArtifactStore(root);
    const results = await Promise.allSettled([
      store.putModel('race', fakeModel(3)),
      store.putModel('race', fakeModel(3)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'CONFLICT' },
    });
    expect((await store.open('race')).meta).toEqual(fakeModel(3).meta);
    expect((await readdir(join(root, 'race'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

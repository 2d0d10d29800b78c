import { mkdir, readdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { loadModelDir, saveModelDir } from '../../src/store/checkpoints.js';
import { StoreError } from '../../src/store/store-errors.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { fakeModel } from './fake-model.js';
import { rejection } from './rejection.js';

const tempDir = useTempDirs();

async function newStore() {
  const root = join(await tempDir(), 'artifacts');
  return { root, store: createFileArtifactStore(root) };
}

async function leftovers(root: string): Promise<string[]> {
  return (await readdir(root)).filter((name) => name.startsWith('.tmp-'));
}

describe('file artifact store', () => {
  it('does no I/O until used', async () => {
    const { root, store } = await newStore();
    expect(await store.list()).toEqual([]);
    await expect(readdir(root)).rejects.toThrow(/ENOENT/);
  });

  it('round-trips a model directory written by saveModelDir', async () => {
    const { root, store } = await newStore();
    const source = await saveModelDir(await tempDir(), 'best', fakeModel(3));

    const stored = await store.putModel('job-1', source);
    expect(stored.id).toBe('job-1');
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(stored.manifest.files)).toEqual(['meta.json', 'model.json', 'weights.bin']);
    expect(stored.manifest.files['weights.bin']?.size).toBe(64 * 4);

    const path = await store.getModelPath('job-1', { sha256: stored.sha256 });
    expect(path).toBe(join(root, 'job-1'));
    const manifestOnDisk = await readFile(join(path, 'manifest.json'), 'utf8');
    expect(JSON.parse(manifestOnDisk)).toEqual(stored.manifest);

    const files = await store.read('job-1');
    expect(files.sha256).toBe(stored.sha256);
    for (const name of ['model.json', 'weights.bin', 'meta.json']) {
      expect(Buffer.from(files.files[name] ?? [])).toEqual(await readFile(join(source, name)));
    }

    expect(await store.open('job-1')).toEqual(await loadModelDir(source));
    expect(await leftovers(root)).toEqual([]);
  });

  it('stores in-memory artifacts in the same layout', async () => {
    const { store } = await newStore();
    const model = fakeModel(5);
    const stored = await store.putModel('job-2', model);
    const opened = await store.open('job-2', { sha256: stored.sha256 });
    expect(opened.meta).toEqual(model.meta);
    expect(opened.artifacts.topology).toEqual(model.artifacts.topology);
    expect(opened.artifacts.weightSpecs).toEqual(model.artifacts.weightSpecs);
    expect(new Float32Array(opened.artifacts.weightData)).toEqual(
      new Float32Array(model.artifacts.weightData),
    );
  });

  it('gives identical models the same digest', async () => {
    const { store } = await newStore();
    const a = await store.putModel('a', fakeModel(7));
    const b = await store.putModel('b', fakeModel(7));
    const c = await store.putModel('c', fakeModel(8));
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
  });

  it('detects a flipped byte in weights.bin', async () => {
    const { root, store } = await newStore();
    await store.putModel('m', fakeModel());
    const weights = join(root, 'm', 'weights.bin');
    const bytes = await readFile(weights);
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    await writeFile(weights, bytes);

    const err = await rejection(store.read('m'), StoreError);
    expect(err.code).toBe('INTEGRITY');
    expect(err.message).toContain('weights.bin');
    await expect(store.getModelPath('m')).rejects.toMatchObject({ code: 'INTEGRITY' });
    await expect(store.open('m')).rejects.toMatchObject({ code: 'INTEGRITY' });
  });

  it('detects a truncated model.json', async () => {
    const { root, store } = await newStore();
    await store.putModel('m', fakeModel());
    await truncate(join(root, 'm', 'model.json'), 5);
    const err = await rejection(store.open('m'), StoreError);
    expect(err.code).toBe('INTEGRITY');
    expect(err.message).toMatch(/model\.json was changed or truncated \(5 bytes/);
  });

  it('detects a missing file, a missing or forged manifest, and a digest mismatch', async () => {
    const { root, store } = await newStore();
    const stored = await store.putModel('m', fakeModel());
    const other = await store.putModel('other', fakeModel(2));

    await expect(store.read('m', { sha256: other.sha256 })).rejects.toMatchObject({
      code: 'INTEGRITY',
    });

    // Rewriting the manifest to match tampered files still changes the recorded digest.
    const manifestPath = join(root, 'm', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.files['meta.json'].size += 1;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(store.read('m', { sha256: stored.sha256 })).rejects.toMatchObject({
      code: 'INTEGRITY',
      message: expect.stringContaining('manifest.json has sha256'),
    });

    await writeFile(manifestPath, '{not json');
    await expect(store.read('m')).rejects.toMatchObject({ code: 'INTEGRITY' });

    await writeFile(join(root, 'other', 'manifest.json'), '');
    await expect(store.read('other')).rejects.toMatchObject({ code: 'INTEGRITY' });

    const third = await store.putModel('third', fakeModel(3));
    await writeFile(join(root, 'third', 'meta.json'), '');
    await expect(store.read('third', { sha256: third.sha256 })).rejects.toMatchObject({
      code: 'INTEGRITY',
    });
  });

  it('reports a model directory without manifest as INTEGRITY, an absent one as NOT_FOUND', async () => {
    const { root, store } = await newStore();
    await saveModelDir(root, 'unmanaged', fakeModel());
    await expect(store.read('unmanaged')).rejects.toMatchObject({ code: 'INTEGRITY' });
    const err = await rejection(store.getModelPath('nope'), StoreError);
    expect(err.code).toBe('NOT_FOUND');
  });

  it('never overwrites a stored model and cleans up the losing write', async () => {
    const { root, store } = await newStore();
    const first = await store.putModel('m', fakeModel(1));

    const err = await rejection(store.putModel('m', fakeModel(2)), StoreError);
    expect(err.code).toBe('CONFLICT');
    expect(await leftovers(root)).toEqual([]);
    expect((await store.read('m')).sha256).toBe(first.sha256);

    const results = await Promise.allSettled([
      store.putModel('race', fakeModel(3)),
      store.putModel('race', fakeModel(4)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'CONFLICT' },
    });
    expect(await leftovers(root)).toEqual([]);
    await store.read('race');
  });

  it('leaves nothing behind when the source cannot be written', async () => {
    const { root, store } = await newStore();
    await store.putModel('keep', fakeModel());

    const noModelJson = await tempDir();
    await writeFile(join(noModelJson, 'weights.bin'), 'x');
    await expect(store.putModel('a', noModelJson)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });

    const withSubdir = await saveModelDir(await tempDir(), 'm', fakeModel());
    await mkdir(join(withSubdir, 'nested'));
    await expect(store.putModel('b', withSubdir)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });

    const withSymlink = await saveModelDir(await tempDir(), 'm', fakeModel());
    await symlink('/etc/passwd', join(withSymlink, 'secrets.txt'));
    await expect(store.putModel('c', withSymlink)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });

    await expect(store.putModel('d', join(root, 'does-not-exist'))).rejects.toThrow(/ENOENT/);

    // Fails while encoding the files: JSON.stringify cannot encode a BigInt.
    const unencodable = fakeModel();
    unencodable.meta = { big: 1n };
    await expect(store.putModel('e', unencodable)).rejects.toThrow(TypeError);

    expect(await leftovers(root)).toEqual([]);
    expect(await store.list()).toEqual(['keep']);
  });

  it('copies any plain files, skipping hidden files and an old manifest', async () => {
    const { store } = await newStore();
    const source = await saveModelDir(await tempDir(), 'm', fakeModel());
    await writeFile(join(source, '.DS_Store'), 'junk');
    await writeFile(join(source, 'manifest.json'), '{"stale":true}');
    await writeFile(join(source, 'optimizer.bin'), new Uint8Array([1, 2, 3]));
    const stored = await store.putModel('m', source);
    expect(Object.keys(stored.manifest.files)).toEqual([
      'meta.json',
      'model.json',
      'optimizer.bin',
      'weights.bin',
    ]);
  });

  it('lists stored ids sorted and deletes them', async () => {
    const { root, store } = await newStore();
    for (const id of ['b', 'a', 'c']) await store.putModel(id, fakeModel());
    await writeFile(join(root, 'stray-file'), '');
    await mkdir(join(root, '.tmp-crashed-put'));
    expect(await store.list()).toEqual(['a', 'b', 'c']);

    expect(await store.delete('b')).toBe(true);
    expect(await store.delete('b')).toBe(false);
    expect(await store.list()).toEqual(['a', 'c']);
    await expect(store.read('b')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await leftovers(root)).toEqual(['.tmp-crashed-put']);
  });

  it.each([
    '../x',
    'a/b',
    '',
    '..',
    '%2e%2e',
    '..%2F..%2Fx',
    '/tmp',
    '\\x',
    '.tmp-put-x',
    'a\u0000b',
    'x'.repeat(65),
    'x'.repeat(10_000),
    'ünï',
    '\u202emodel',
  ])('refuses the hostile id %j everywhere', async (id) => {
    const { root, store } = await newStore();
    const calls = [
      () => store.putModel(id, fakeModel()),
      () => store.getModelPath(id),
      () => store.read(id),
      () => store.open(id),
      () => store.delete(id),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ code: 'INVALID_ID' });
    }
    await expect(readdir(root)).rejects.toThrow(/ENOENT/);
  });
});

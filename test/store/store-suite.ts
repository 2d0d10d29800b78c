import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingData } from '../../src/data/data-source.js';
import type { LabelledImageSet } from '../../src/data/index.js';
import type { TrainerState } from '../../src/ml/train.js';
import { createArtifactStore } from '../../src/store/artifact-store.js';
import type { Blobs } from '../../src/store/blobs.js';
import { CheckpointOwnerError, createCheckpointStore } from '../../src/store/checkpoints.js';
import { createDatasetStore } from '../../src/store/dataset-store.js';
import { StoreError } from '../../src/store/store-errors.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { csvText, firstRealImages } from '../support/dataset-files.js';
import { fakeModel } from './fake-model.js';
import { rejection } from './rejection.js';

/**
 * The behaviour every storage backend owes the stores, run once per backend (stores.test.ts):
 * models, checkpoints and data sets appear whole or not at all, every read is checked
 * against the SHA-256 recorded at write time, and hostile ids write nothing.
 * `newBlobs` gives an empty store for each test.
 */
export function storeSuite(backend: string, newBlobs: () => Promise<Blobs>) {
  const tempDir = useTempDirs();
  const tamper = async (blobs: Blobs, key: string, change: (bytes: Buffer) => Buffer | string) =>
    blobs.put(key, change((await blobs.get(key)) ?? Buffer.alloc(0)));

  describe(`objects on ${backend}`, () => {
    it('stores large objects (in parts on S3) and files moved in, and reads them back whole', async () => {
      const blobs = await newBlobs();
      const big = Buffer.alloc(17 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 251;
      await blobs.put('big/weights.bin', big);
      expect((await blobs.get('big/weights.bin'))?.equals(big)).toBe(true);
      const file = join(await tempDir(), 'upload.bin');
      await writeFile(file, big.subarray(0, 9 * 1024 * 1024));
      await blobs.putFile('big/moved.bin', file);
      await expect(readFile(file)).rejects.toThrow(/ENOENT/);
      const local = await blobs.localFile('big/moved.bin');
      expect((await readFile(local)).equals(big.subarray(0, 9 * 1024 * 1024))).toBe(true);
      expect(await blobs.list('big')).toEqual(['big/moved.bin', 'big/weights.bin']);
      expect(await blobs.children()).toEqual(['big']);
    });
  });

  describe(`artifact store on ${backend}`, () => {
    it('round-trips a model, its manifest listing every file', async () => {
      const blobs = await newBlobs();
      const store = createArtifactStore(blobs);
      const model = fakeModel(5);
      const stored = await store.putModel('job-1', model);
      expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.keys(stored.manifest.files)).toEqual([
        'meta.json',
        'model.json',
        'weights.bin',
      ]);
      expect(stored.manifest.files['weights.bin']?.size).toBe(64 * 4);
      expect(JSON.parse((await blobs.get('job-1/manifest.json'))?.toString() ?? '')).toEqual(
        stored.manifest,
      );
      const read = await store.read('job-1', { sha256: stored.sha256 });
      expect(read.sha256).toBe(stored.sha256);
      const opened = await store.open('job-1', { sha256: stored.sha256 });
      expect(opened.meta).toEqual(model.meta);
      expect(opened.artifacts.topology).toEqual(model.artifacts.topology);
      expect(opened.artifacts.weightSpecs).toEqual(model.artifacts.weightSpecs);
      expect(new Float32Array(opened.artifacts.weightData)).toEqual(
        new Float32Array(model.artifacts.weightData),
      );
    });

    it('gives identical models the same digest', async () => {
      const store = createArtifactStore(await newBlobs());
      const a = await store.putModel('a', fakeModel(7));
      const b = await store.putModel('b', fakeModel(7));
      const c = await store.putModel('c', fakeModel(8));
      expect(a.sha256).toBe(b.sha256);
      expect(c.sha256).not.toBe(a.sha256);
    });

    it('detects a flipped byte, a truncated file, a missing file and a forged manifest', async () => {
      const blobs = await newBlobs();
      const store = createArtifactStore(blobs);
      for (const id of ['flip', 'cut', 'gone', 'forged', 'garbled']) {
        await store.putModel(id, fakeModel());
      }
      const original = await store.putModel('m', fakeModel());
      await tamper(blobs, 'flip/weights.bin', (b) => {
        b[10] = (b[10] ?? 0) ^ 0xff;
        return b;
      });
      await tamper(blobs, 'cut/model.json', (b) => b.subarray(0, 5));
      await blobs.delete(['gone/meta.json']);
      await tamper(blobs, 'forged/manifest.json', (b) => {
        const manifest = JSON.parse(b.toString());
        manifest.files['meta.json'].size += 1;
        return JSON.stringify(manifest);
      });
      await tamper(blobs, 'garbled/manifest.json', () => '{not json');
      const cases: [string, RegExp][] = [
        ['flip', /weights\.bin was changed or truncated/],
        ['cut', /model\.json was changed or truncated \(5 bytes/],
        ['gone', /meta\.json is missing/],
        ['forged', /meta\.json was changed or truncated/],
        ['garbled', /manifest\.json is not JSON/],
      ];
      for (const [id, message] of cases) {
        const err = await rejection(store.open(id), StoreError);
        expect(err).toMatchObject({ code: 'INTEGRITY' });
        expect(err.message).toMatch(message);
      }
      // A manifest rewritten to match tampered files still changes the recorded digest.
      await tamper(blobs, 'm/manifest.json', (b) => `${b.toString()}\n`);
      await expect(store.read('m', { sha256: original.sha256 })).rejects.toMatchObject({
        code: 'INTEGRITY',
        message: expect.stringContaining('manifest.json has sha256'),
      });
    });

    it('serves nothing of a model whose manifest was never written (a crash mid-upload)', async () => {
      const blobs = await newBlobs();
      const store = createArtifactStore(blobs);
      await store.putModel('whole', fakeModel());
      await blobs.put('partial/model.json', '{}');
      await blobs.put('partial/weights.bin', new Uint8Array(8));
      await expect(store.open('partial')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await store.list()).toEqual(['whole']);
      // The id stays free: the model's next upload completes it.
      await store.putModel('partial', fakeModel(3));
      expect((await store.open('partial')).meta).toEqual(fakeModel(3).meta);
    });

    it('never overwrites a stored model', async () => {
      const store = createArtifactStore(await newBlobs());
      const first = await store.putModel('m', fakeModel(1));
      const err = await rejection(store.putModel('m', fakeModel(2)), StoreError);
      expect(err).toMatchObject({ code: 'CONFLICT' });
      expect((await store.read('m')).sha256).toBe(first.sha256);
    });

    it('writes nothing for a model that cannot be encoded', async () => {
      const blobs = await newBlobs();
      const store = createArtifactStore(blobs);
      const unencodable = fakeModel();
      unencodable.meta = { big: 1n };
      await expect(store.putModel('e', unencodable)).rejects.toThrow(TypeError);
      expect(await blobs.list()).toEqual([]);
    });

    it('lists stored ids sorted and deletes them whole', async () => {
      const blobs = await newBlobs();
      const store = createArtifactStore(blobs);
      for (const id of ['b', 'a', 'c']) await store.putModel(id, fakeModel());
      expect(await store.list()).toEqual(['a', 'b', 'c']);
      expect(await store.delete('b')).toBe(true);
      expect(await store.delete('b')).toBe(false);
      expect(await store.list()).toEqual(['a', 'c']);
      expect(await blobs.list('b')).toEqual([]);
      await expect(store.read('b')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it.each([
      '../x',
      'a/b',
      '',
      '..',
      '%2e%2e',
      '/tmp',
      '\\x',
      '.tmp-put-x',
      'a\u0000b',
      'x'.repeat(65),
      'ünï',
    ])('refuses the hostile id %j everywhere, writing nothing', async (id) => {
      const blobs = await newBlobs();
      const store = createArtifactStore(blobs);
      const calls = [
        () => store.putModel(id, fakeModel()),
        () => store.read(id),
        () => store.open(id),
        () => store.delete(id),
      ];
      for (const call of calls) {
        await expect(call()).rejects.toMatchObject({ code: 'INVALID_ID' });
      }
      expect(await blobs.list()).toEqual([]);
    });
  });

  describe(`checkpoints on ${backend}`, () => {
    const state = (epoch: number): TrainerState => ({
      epoch,
      history: [],
      bestValAcc: 0.5,
      shuffleSeed: 7,
    });
    const snapshot = (epoch: number) => ({
      ...fakeModel(epoch),
      optimizer: { weightSpecs: [], weightData: new Uint8Array([epoch, 2, 3]).buffer },
      state: state(epoch),
    });

    it('resume from the newest whole state, for its owner only, keeping one state', async () => {
      const blobs = await newBlobs();
      const sink = createCheckpointStore(blobs, 'job-7:aaaa');
      const best = await sink.saveBest(1, 0.8599, fakeModel(9));
      expect(best).toBe('epoch-01-val_acc-0.8599');
      await sink.saveResume(1, snapshot(1));
      expect(await sink.saveResume(2, snapshot(2))).toBe('state-epoch-02');
      // A crash after writing the files of epoch 3 but before its manifest and pointer.
      await blobs.put('state-epoch-03/model.json', '{}');
      const resumed = await createCheckpointStore(blobs, 'job-7:aaaa').loadResume();
      expect(resumed?.state).toEqual(state(2));
      expect(new Uint8Array(resumed?.optimizer.weightData ?? new ArrayBuffer(0))).toEqual(
        new Uint8Array([2, 2, 3]),
      );
      expect((await blobs.children()).filter((n) => n.startsWith('state-'))).toEqual([
        'state-epoch-02',
        'state-epoch-03',
      ]);
      expect((await sink.loadBest(best)).meta).toEqual(fakeModel(9).meta);
      await expect(createCheckpointStore(blobs, 'job-8:bbbb').loadResume()).rejects.toThrow(
        CheckpointOwnerError,
      );
    });

    it('refuse a tampered state or best checkpoint; a run that never checkpointed starts fresh', async () => {
      const blobs = await newBlobs();
      const sink = createCheckpointStore(blobs);
      expect(await sink.loadResume()).toBeUndefined();
      const best = await sink.saveBest(1, 0.5, fakeModel(2));
      await sink.saveResume(1, snapshot(1));
      await tamper(blobs, 'state-epoch-01/optimizer.bin', () => 'xyz');
      await tamper(blobs, `${best}/weights.bin`, (b) => b.subarray(1));
      await expect(sink.loadResume()).rejects.toMatchObject({ code: 'INTEGRITY' });
      await expect(sink.loadBest(best)).rejects.toMatchObject({ code: 'INTEGRITY' });
    });
  });

  describe(`data sets on ${backend}`, () => {
    let train: LabelledImageSet;
    let test: LabelledImageSet;
    beforeAll(async () => {
      ({ train, test } = await firstRealImages(100, 50));
    });
    const files = () => ({ train: Buffer.from(csvText(train)), test: Buffer.from(csvText(test)) });

    it('publish an upload whole, list it and serve it as a training source', async () => {
      const blobs = await newBlobs();
      const store = createDatasetStore(await tempDir(), { blobs });
      const meta = await store.save({ name: 'small', files: files() });
      expect(await store.get(meta.id)).toEqual(meta);
      expect((await store.list()).map((d) => d.id)).toEqual([meta.id]);
      // Files without their dataset.json (an upload that died publishing) are not a data set.
      await blobs.put('ds-0123456789abcdef/train.csv', 'label\n');
      expect((await store.list()).map((d) => d.id)).toEqual([meta.id]);
      await expect(store.get('ds-0123456789abcdef')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const loaded = await loadTrainingData(await store.source(meta.id), { testPerClass: 2 });
      expect(loaded.train.count + loaded.test.count).toBe(100);
      expect(Array.from(loaded.val.labels)).toEqual(Array.from(test.labels));
    });

    it('refuse a stored file that changed since the upload', async () => {
      const blobs = await newBlobs();
      const store = createDatasetStore(await tempDir(), { blobs });
      const meta = await store.save({ files: files() });
      await tamper(blobs, `${meta.id}/test.csv`, (b) => Buffer.concat([b, Buffer.from('0')]));
      await expect(store.source(meta.id)).rejects.toMatchObject({
        code: 'INTEGRITY',
        message: expect.stringContaining('test.csv failed verification'),
      });
    });

    it('keep nothing of an upload that fails its checks', async () => {
      const blobs = await newBlobs();
      const store = createDatasetStore(await tempDir(), { blobs });
      const bad = { train: Buffer.from('label,pixel1\n3,x\n'), test: Buffer.from(csvText(test)) };
      await expect(store.save({ files: bad })).rejects.toMatchObject({ code: 'DATASET_INVALID' });
      expect(await blobs.list()).toEqual([]);
    });
  });
}

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { type LabelledImageSet, UPLOAD_DATA_LIMITS } from '../../src/data/index.js';
import {
  createDatasetStore,
  DATASET_QUOTAS,
  DatasetQuotaError,
  type DatasetStore,
  DatasetTooLargeError,
} from '../../src/store/dataset-store.js';
import { gzip, idxBytes } from '../data/support/idx-bytes.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { csvText, firstRealImages, idxOf } from '../support/dataset-files.js';
import { rejection } from './rejection.js';

const tempDir = useTempDirs();

let train: LabelledImageSet;
let test: LabelledImageSet;

beforeAll(async () => {
  ({ train, test } = await firstRealImages(20, 10));
});

const csvFiles = () => ({ train: Buffer.from(csvText(train)), test: Buffer.from(csvText(test)) });
const upload = (store: DatasetStore, owner?: string) => store.save({ owner, files: csvFiles() });

describe('dataset quotas', () => {
  it('refuses a data set beyond the quota per API key, then beyond the total', async () => {
    const store = createDatasetStore(join(await tempDir(), 'datasets'), {
      quotas: { perKey: 2, total: 3 },
    });
    await upload(store, 'ci');
    const second = await upload(store, 'ci');
    expect(second.owner).toBe('ci');

    const perKey = await rejection(upload(store, 'ci'), DatasetQuotaError);
    expect(perKey).toMatchObject({
      code: 'DATASET_QUOTA_EXCEEDED',
      message:
        "API key 'ci' already has 2 uploaded data sets, the limit of 2 per key; ask an operator to remove some",
    });

    await upload(store, 'billing');
    for (const owner of ['other', undefined]) {
      expect(await rejection(upload(store, owner), DatasetQuotaError)).toMatchObject({
        code: 'DATASET_QUOTA_EXCEEDED',
        message:
          'the server already keeps 3 uploaded data sets, its limit of 3; ask an operator to remove some',
      });
    }
    expect(await store.list()).toHaveLength(3);
  });

  it('lets only one of two concurrent uploads take the last place', async () => {
    const store = createDatasetStore(join(await tempDir(), 'datasets'), {
      quotas: { perKey: 1, total: 0 },
    });
    const results = await Promise.allSettled([upload(store, 'ci'), upload(store, 'ci')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await store.list()).toHaveLength(1);
  });

  it('reads its defaults from the configuration, which holds the same figures', () => {
    expect(readConfig({}).datasets).toEqual({
      limits: UPLOAD_DATA_LIMITS,
      quotas: DATASET_QUOTAS,
    });
    expect(
      readConfig({ TAILOR_DATASET_MAX_FILE_MB: '64', TAILOR_DATASETS_PER_KEY: '0' }).datasets,
    ).toMatchObject({ limits: { maxFileBytes: 64 * 1024 * 1024 }, quotas: { perKey: 0 } });
  });
});

describe('dataset limits', () => {
  it('refuses a gzipped IDX declaring 2,700,000 images as DATASET_TOO_LARGE, naming the part', async () => {
    const store = createDatasetStore(join(await tempDir(), 'datasets'));
    const bomb = gzip(idxBytes(0x00000803, [2_700_000, 28, 28], new Uint8Array(1 << 20)));
    const error = await rejection(
      store.save({
        files: { ...idxFiles(), trainImages: bomb },
      }),
      DatasetTooLargeError,
    );
    expect(error).toMatchObject({
      code: 'DATASET_TOO_LARGE',
      message:
        "part 'trainImages' is not valid: train-images-idx3-ubyte: header declares 2,700,000 images, more than the limit of 200,000 per file",
    });
  });

  it('applies the limits it is given', async () => {
    const store = createDatasetStore(join(await tempDir(), 'datasets'), {
      limits: { maxImages: 15 },
    });
    expect(await rejection(store.save({ files: idxFiles() }), DatasetTooLargeError)).toMatchObject({
      code: 'DATASET_TOO_LARGE',
      message:
        "part 'trainImages' is not valid: train-images-idx3-ubyte: header declares 20 images, more than the limit of 15 per file",
    });
  });
});

function idxFiles() {
  const t = idxOf(train);
  const v = idxOf(test);
  return {
    trainImages: t.images,
    trainLabels: t.labels,
    testImages: v.images,
    testLabels: v.labels,
  };
}

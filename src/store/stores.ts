import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { type ArtifactStore, createArtifactStore } from './artifact-store.js';
import type { Blobs } from './blobs.js';
import { type CheckpointStore, createCheckpointStore } from './checkpoints.js';
import { createDatasetStore, type DatasetStore, datasetDir } from './dataset-store.js';
import { createLocalBlobs } from './local-blobs.js';
import { createModelRegistry, type ModelRegistry } from './model-registry.js';
import { createS3Blobs } from './s3-blobs.js';

export type StoresConfig = Pick<
  Config,
  'storage' | 'artifactDir' | 'dataDir' | 'datasets' | 'queuePrefix'
>;

/** Everything a process keeps or reads besides Redis' queues, built from one configuration. */
export interface Stores {
  /** `file:///...` or `s3://bucket/prefix`: where it all is, for logs and doctor. */
  location: string;
  /** Registered models' files. */
  artifacts: ArtifactStore;
  /** Uploaded data sets. */
  datasets: DatasetStore;
  /** The checkpoints of one training job (by its key, jobs/job-identity.ts), marked with `owner`. */
  checkpoints(jobKey: string, owner?: string): CheckpointStore;
  /** The model registry, over the caller's Redis connection. */
  registry(redis: Redis): ModelRegistry;
  /**
   * Writes, reads back and removes one small object at the store's root: for `tailor
   * doctor`, which must know that this host can use the bucket, not only reach it.
   */
  probe(): Promise<void>;
  /** Releases the object store's connections. */
  close(): void;
}

/**
 * The one place that decides where things are kept: local disk (models and checkpoints
 * under TAILOR_ARTIFACT_DIR, data sets under TAILOR_DATA_DIR), or an S3 bucket
 * (TAILOR_STORAGE_URL) that every host shares, keys `<prefix>/models/<id>/...`,
 * `<prefix>/checkpoints/<job key>/...` and `<prefix>/datasets/<id>/...`. Uploads are
 * staged and checked on the receiving host's disk (under the data directory) either way.
 */
export function createStores(config: StoresConfig): Stores {
  const staging = datasetDir(config);
  const root: Blobs | undefined =
    config.storage.kind === 's3'
      ? createS3Blobs(config.storage, { cacheDir: join(config.dataDir, 's3-cache') })
      : undefined;
  const area = (name: string, localDir: string) => root?.scope(name) ?? createLocalBlobs(localDir);
  const models = area('models', join(config.artifactDir, 'models'));
  const checkpoints = area('checkpoints', join(config.artifactDir, 'checkpoints'));
  return {
    location: root?.location ?? createLocalBlobs(config.artifactDir).location,
    artifacts: createArtifactStore(models),
    datasets: createDatasetStore(staging, {
      blobs: area('datasets', staging),
      limits: config.datasets.limits,
      quotas: config.datasets.quotas,
    }),
    checkpoints: (jobKey, owner) => createCheckpointStore(checkpoints.scope(jobKey), owner),
    registry: (redis) => createModelRegistry({ redis, prefix: config.queuePrefix }),
    probe: () => probe(root ?? createLocalBlobs(config.artifactDir)),
    close: () => root?.close(),
  };
}

async function probe(blobs: Blobs): Promise<void> {
  const key = `doctor-probe-${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}`;
  const content = new Date().toISOString();
  await blobs.put(key, content);
  try {
    const read = (await blobs.get(key))?.toString('utf8');
    if (read !== content)
      throw new Error(`read back ${JSON.stringify(read)}, not what was written`);
  } finally {
    await blobs.delete([key]);
  }
}

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelArtifacts, OptimizerState } from '../ml/model-state.js';
import type { CheckpointSink, TrainerState } from '../ml/train.js';
import { writeDirAtomic, writeFileAtomic } from './atomic.js';

/** Points at the newest resumable state; replaced atomically after each epoch. */
const LATEST = 'latest.json';

export interface SavedModel {
  artifacts: ModelArtifacts;
  /** Whatever the writer stored beside the weights (metrics, spec, ...). */
  meta: Record<string, unknown>;
}

export interface ResumeState<S> extends SavedModel {
  optimizer: OptimizerState;
  state: S;
}

/** The seed's ModelCheckpoint name: `epoch-01-val_acc-0.8599`. */
export function bestCheckpointName(epoch: number, valAcc: number): string {
  return `epoch-${String(epoch).padStart(2, '0')}-val_acc-${valAcc.toFixed(4)}`;
}

function modelFiles(saved: SavedModel): Record<string, Uint8Array | string> {
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'tailor',
    convertedBy: null,
    modelTopology: saved.artifacts.topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved.artifacts.weightSpecs }],
  };
  return {
    'model.json': JSON.stringify(modelJson),
    'weights.bin': new Uint8Array(saved.artifacts.weightData),
    'meta.json': JSON.stringify(saved.meta, null, 2),
  };
}

/** Writes a model directory (tfjs layers format plus meta.json); returns its path. */
export async function saveModelDir(dir: string, name: string, saved: SavedModel): Promise<string> {
  const path = join(dir, name);
  await writeDirAtomic(path, modelFiles(saved));
  return path;
}

export async function loadModelDir(path: string): Promise<SavedModel> {
  const modelJson = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
  const manifest = modelJson.weightsManifest?.[0];
  if (!manifest || !modelJson.modelTopology) {
    throw new Error(`${path}/model.json is not a tfjs layers model`);
  }
  const weights = await readFile(join(path, manifest.paths[0]));
  const meta = JSON.parse(await readFile(join(path, 'meta.json'), 'utf8').catch(() => '{}'));
  return {
    artifacts: {
      topology: modelJson.modelTopology,
      weightSpecs: manifest.weights,
      weightData: toArrayBuffer(weights),
    },
    meta,
  };
}

/**
 * Saves everything needed to continue training after `epoch` (weights, optimizer slots,
 * the trainer's state) and then moves the `latest.json` pointer to it. A crash at any
 * moment leaves the previous pointer and its directory intact.
 */
export async function saveResumeState<S>(
  dir: string,
  epoch: number,
  saved: ResumeState<S>,
  /** Batches done in the next epoch, for a state saved inside an epoch. */
  batch?: number,
  /** Who the state belongs to (see fileCheckpoints); checked when it is loaded. */
  owner?: string,
): Promise<string> {
  const inside = batch === undefined ? '' : `-batch-${String(batch).padStart(5, '0')}`;
  const name = `state-epoch-${String(epoch).padStart(2, '0')}${inside}`;
  await writeDirAtomic(join(dir, name), {
    ...modelFiles(saved),
    'optimizer.json': JSON.stringify(saved.optimizer.weightSpecs),
    'optimizer.bin': new Uint8Array(saved.optimizer.weightData),
    'state.json': JSON.stringify(saved.state),
    ...(owner !== undefined && { [OWNER]: JSON.stringify({ owner }) }),
  });
  await writeFileAtomic(join(dir, LATEST), JSON.stringify({ state: name, epoch }));
  await removeOlderStates(dir, name);
  return join(dir, name);
}

async function removeOlderStates(dir: string, keep: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('state-epoch-') && entry !== keep) {
      await rm(join(dir, entry), { recursive: true, force: true });
    }
  }
}

/**
 * The newest resumable state in `dir`, or undefined when training never finished an epoch.
 * With `owner`, a state written for another owner (or for none) is refused with
 * CheckpointOwnerError rather than adopted.
 */
export async function loadResumeState<S>(
  dir: string,
  owner?: string,
): Promise<ResumeState<S> | undefined> {
  let pointer: { state: string };
  try {
    pointer = JSON.parse(await readFile(join(dir, LATEST), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const path = join(dir, pointer.state);
  if (owner !== undefined) await checkOwner(path, owner);
  const model = await loadModelDir(path);
  const [specs, data, state] = await Promise.all([
    readFile(join(path, 'optimizer.json'), 'utf8'),
    readFile(join(path, 'optimizer.bin')),
    readFile(join(path, 'state.json'), 'utf8'),
  ]);
  return {
    ...model,
    optimizer: { weightSpecs: JSON.parse(specs), weightData: toArrayBuffer(data) },
    state: JSON.parse(state) as S,
  };
}

const OWNER = 'owner.json';

/** A checkpoint that another job (or a run of another spec, data set or seed) wrote. */
export class CheckpointOwnerError extends Error {
  override readonly name = 'CheckpointOwnerError';
  readonly code = 'CHECKPOINT_FOREIGN';

  constructor(dir: string, found: string | undefined, owner: string) {
    super(
      `the checkpoint in ${dir} belongs to ${found ? `'${found}'` : 'an unnamed run'}, not to '${owner}'; refusing to resume from it`,
    );
  }
}

async function checkOwner(path: string, owner: string): Promise<void> {
  let found: string | undefined;
  try {
    found = (JSON.parse(await readFile(join(path, OWNER), 'utf8')) as { owner?: string }).owner;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (found !== owner) throw new CheckpointOwnerError(path, found, owner);
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(
    buffer.byteOffset,
    buffer.byteOffset + buffer.byteLength,
  ) as ArrayBuffer;
}

/**
 * The fit loop's checkpoint sink over a local directory. With `owner` (a training job's
 * fingerprint: its identity, spec, data set and seed), each resumable state is marked as
 * its, and a state marked otherwise is never resumed from.
 */
export function fileCheckpoints(dir: string, owner?: string): CheckpointSink {
  return {
    saveBest: (epoch, valAcc, snapshot) =>
      saveModelDir(dir, bestCheckpointName(epoch, valAcc), snapshot),
    saveResume: (epoch, snapshot) =>
      saveResumeState(dir, epoch, snapshot, snapshot.state.partial?.batch, owner),
    loadResume: () => loadResumeState<TrainerState>(dir, owner),
  };
}

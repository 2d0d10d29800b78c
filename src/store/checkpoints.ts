import type { OptimizerState } from '../ml/model-state.js';
import type { CheckpointSink, TrainerState } from '../ml/train.js';
import type { Blobs } from './blobs.js';
import { readBundle, writeBundle } from './bundles.js';
import { createLocalBlobs } from './local-blobs.js';
import { modelFiles, parseModelFiles, type SavedModel, toArrayBuffer } from './model-files.js';

export type { SavedModel } from './model-files.js';

/** Points at the newest resumable state; replaced after each epoch, once the state is whole. */
const LATEST = 'latest.json';
const OWNER = 'owner.json';
const STATE_PREFIX = 'state-epoch-';

export interface ResumeState<S> extends SavedModel {
  optimizer: OptimizerState;
  state: S;
}

/** The fit loop's sink, plus what registering a finished job needs from it. */
export interface CheckpointStore extends CheckpointSink {
  /** The best checkpoint named by saveBest, verified. */
  /** Where the checkpoints are, for logs: `file:///...` or `s3://...`. */
  readonly location: string;
}

/** The seed's ModelCheckpoint name: `epoch-01-val_acc-0.8599`. */
export function bestCheckpointName(epoch: number, valAcc: number): string {
  return `epoch-${String(epoch).padStart(2, '0')}-val_acc-${valAcc.toFixed(4)}`;
}

/** A training run's checkpoints refused because another job (or a run of another spec, data set or seed) wrote them. */
export class CheckpointOwnerError extends Error {
  override readonly name = 'CheckpointOwnerError';
  readonly code = 'CHECKPOINT_FOREIGN';

  constructor(state: string, found: string | undefined, owner: string) {
    super(
      `the checkpoint ${state} belongs to ${found ? `'${found}'` : 'an unnamed run'}, not to '${owner}'; refusing to resume from it`,
    );
  }
}

/**
 * One training run's checkpoints over any Blobs: best checkpoints named as the seed's
 * Keras ModelCheckpoint did, and resumable states (weights, optimizer slots, the trainer's
 * state) with a `latest.json` pointer moved to each once it is whole, so a crash at any
 * moment leaves the previous pointer and its state intact. Every checkpoint is a bundle
 * with a SHA-256 manifest, checked when it is loaded. With `owner` (a training job's
 * fingerprint: its identity, spec, data set and seed), each state is marked as its, and a
 * state marked otherwise is never resumed from.
 */
export function createCheckpointStore(blobs: Blobs, owner?: string): CheckpointStore {
  async function saveResume(epoch: number, saved: ResumeState<TrainerState>): Promise<string> {
    const batch = saved.state.partial?.batch;
    const inside = batch === undefined ? '' : `-batch-${String(batch).padStart(5, '0')}`;
    const name = `${STATE_PREFIX}${String(epoch).padStart(2, '0')}${inside}`;
    await writeBundle(
      blobs,
      name,
      {
        ...modelFiles(saved),
        'optimizer.json': JSON.stringify(saved.optimizer.weightSpecs),
        'optimizer.bin': new Uint8Array(saved.optimizer.weightData),
        'state.json': JSON.stringify(saved.state),
        ...(owner !== undefined && { [OWNER]: JSON.stringify({ owner }) }),
      },
      { what: `checkpoint ${name}` },
    );
    await blobs.put(LATEST, JSON.stringify({ state: name, epoch }));
    await removeOlderStates(name);
    return name;
  }

  async function removeOlderStates(keep: string): Promise<void> {
    const older = (await blobs.children()).filter((n) => n.startsWith(STATE_PREFIX) && n !== keep);
    for (const name of older) await blobs.delete(await blobs.list(name));
  }

  async function loadResume(): Promise<ResumeState<TrainerState> | undefined> {
    const pointer = await blobs.get(LATEST);
    if (!pointer) return undefined;
    const { state: name } = JSON.parse(pointer.toString('utf8')) as { state: string };
    const { files } = await readBundle(blobs, name, `checkpoint ${name} of ${blobs.location}`);
    if (owner !== undefined) {
      const marked = files[OWNER] && JSON.parse(Buffer.from(files[OWNER]).toString('utf8'));
      if (marked?.owner !== owner) throw new CheckpointOwnerError(name, marked?.owner, owner);
    }
    const text = (file: string) => Buffer.from(files[file] ?? []).toString('utf8');
    return {
      ...parseModelFiles(files, `checkpoint ${name}`),
      optimizer: {
        weightSpecs: JSON.parse(text('optimizer.json')),
        weightData: toArrayBuffer(files['optimizer.bin'] ?? new Uint8Array()),
      },
      state: JSON.parse(text('state.json')) as TrainerState,
    };
  }

  return {
    location: blobs.location,
    saveBest: async (epoch, valAcc, snapshot) => {
      const name = bestCheckpointName(epoch, valAcc);
      await writeBundle(blobs, name, modelFiles(snapshot), { what: `checkpoint ${name}` });
      return name;
    },
    saveResume,
    loadResume,
    loadBest: async (name) =>
      parseModelFiles((await readBundle(blobs, name, `checkpoint ${name}`)).files, name),
  };
}

/** The checkpoints of a run in a local directory (`tailor train`, tests). */
export function fileCheckpoints(dir: string, owner?: string): CheckpointStore {
  return createCheckpointStore(createLocalBlobs(dir), owner);
}

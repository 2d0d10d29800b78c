import type { TrainingJobRequest } from './training-job.js';

export const PRESET_NAMES = ['notebook', 'best'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  /** Spec fields a request's `model` overrides one by one. */
  readonly model: Readonly<Record<string, unknown>>;
  /** Training fields a request's `training` overrides one by one. */
  readonly training: Readonly<NonNullable<TrainingJobRequest['training']>>;
}

/** The seed's dense blocks (512-256-10) with dropout on each: `best` regularises them. */
const denseWithDropout = (rate: number) => [
  { neurons: 512, activation: 'relu', dropout: rate },
  { neurons: 256, activation: 'relu', dropout: rate },
  { neurons: 10, activation: 'softmax', dropout: rate },
];

/**
 * Where a job starts before its own fields. `notebook` is the seed notebook's model and
 * training, every default as it always was. `best` is the recipe docs/training.md reports
 * figures for: the same conv blocks, dropout, augmentation, AdamW on a cosine schedule with
 * warm-up, and label smoothing, over 30 epochs.
 */
export const PRESETS: Record<PresetName, Preset> = {
  notebook: { model: {}, training: {} },
  best: {
    model: { dense: denseWithDropout(0.3) },
    training: {
      epochs: 30,
      batchSize: 128,
      optimizer: 'adamw',
      learningRate: 0.002,
      weightDecay: 0.02,
      schedule: { type: 'cosine', warmupEpochs: 2 },
      labelSmoothing: 0.1,
      augment: { translate: 2, flip: true, erase: 0.25 },
    },
  },
};

export function presetOf(name: PresetName | undefined): Preset {
  return PRESETS[name ?? 'notebook'];
}

/**
 * A request's training fields over a preset's: each field replaces the preset's, except
 * that the fields of a nested object (schedule, augment, earlyStopping) replace its fields
 * one by one, so `{ "augment": { "erase": 0 } }` keeps the preset's other augmentation.
 */
export function overlay<T extends object>(preset: T, request: T): T {
  const out: Record<string, unknown> = { ...(preset as Record<string, unknown>) };
  for (const [key, value] of Object.entries(request)) {
    const under = out[key];
    out[key] = isPlainObject(under) && isPlainObject(value) ? { ...under, ...value } : value;
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request's model and training fields laid over its preset's, as a job starts from them. */
export function withPreset(request: Pick<TrainingJobRequest, 'preset' | 'model' | 'training'>) {
  const preset = presetOf(request.preset);
  return {
    model: { ...preset.model, ...request.model },
    training: structuredClone(overlay(preset.training, request.training ?? {})),
  };
}

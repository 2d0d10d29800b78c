import Type, { type Static } from 'typebox';
import type { BatchProgress, EpochMetrics } from '../ml/train.js';

/** One epoch's line of a job's history (EpochMetrics in ml/train.ts). */
export const EpochMetricsSchema = Type.Object(
  {
    epoch: Type.Integer(),
    loss: Type.Number(),
    acc: Type.Number(),
    val_loss: Type.Number(),
    val_acc: Type.Number(),
    seconds: Type.Number(),
    imagesPerSecond: Type.Number(),
  },
  { title: 'EpochMetrics', additionalProperties: false },
);

/** What a running job reports, and what clients see as its `progress`. */
export const TrainingProgressSchema = Type.Object(
  {
    stage: Type.Union([
      Type.Literal('loading'),
      Type.Literal('training'),
      Type.Literal('evaluating'),
    ]),
    backend: Type.Optional(Type.String()),
    replicas: Type.Optional(Type.Integer()),
    step: Type.Optional(
      Type.Union([Type.Literal('compiled'), Type.Literal('eager')], {
        description:
          'compiled: forward, gradients and update run as one TensorFlow graph per batch (native backends); eager: tfjs ops one by one.',
      }),
    ),
    epoch: Type.Optional(Type.Integer()),
    epochs: Type.Optional(Type.Integer()),
    batch: Type.Optional(Type.Integer()),
    batches: Type.Optional(Type.Integer()),
    loss: Type.Optional(Type.Number()),
    acc: Type.Optional(Type.Number()),
    imagesPerSecond: Type.Optional(Type.Number()),
    history: Type.Array(EpochMetricsSchema),
  },
  { additionalProperties: false },
);

export type TrainingProgress = Static<typeof TrainingProgressSchema>;

/** Folds batch and epoch events into the progress object; batch updates are throttled. */
export function progressTracker(publish: (p: TrainingProgress) => Promise<void>, everyMs = 1000) {
  let state: TrainingProgress = { stage: 'loading', history: [] };
  let last = 0;
  const send = () => publish(state).catch(() => {});
  return {
    engine(backend: string, replicas: number, step: TrainingProgress['step']) {
      state = { ...state, backend, replicas, step, stage: 'training' };
      void send();
    },
    batch(p: BatchProgress) {
      state = { ...state, stage: 'training', ...p };
      const now = Date.now();
      if (now - last >= everyMs || p.batch === p.batches) {
        last = now;
        void send();
      }
    },
    epoch(m: EpochMetrics) {
      state = { ...state, history: [...state.history, m] };
      void send();
    },
    /** Publishes where it stands now, throttle or not (a job held at a batch). */
    flush() {
      last = Date.now();
      return send();
    },
    evaluating() {
      state = { ...state, stage: 'evaluating' };
      return send();
    },
    get current() {
      return state;
    },
  };
}

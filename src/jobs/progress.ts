import type { BatchProgress, EpochMetrics } from '../ml/train.js';

/** What a running job reports, and what clients see as its `progress`. */
export interface TrainingProgress {
  stage: 'loading' | 'training' | 'evaluating';
  backend?: string;
  replicas?: number;
  /** `compiled`: the whole training step runs as one TensorFlow graph. */
  step?: 'compiled' | 'eager';
  epoch?: number;
  epochs?: number;
  batch?: number;
  batches?: number;
  loss?: number;
  acc?: number;
  imagesPerSecond?: number;
  history: EpochMetrics[];
}

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

import type { TrainingJobView } from '../../src/jobs/job-view.js';

/** Strings a client or a broken worker could put into a job record, aimed at a report. */
export const HOSTILE = {
  className: '<script>alert("class")</script>',
  reason: '"><img src=x onerror="globalThis.pwned=1">',
  error: '</td><script>alert("error")</script>',
  dataset: 'ds-<b>x</b>',
};

/** Ten classes, the first with a hostile name. */
export const CLASS_NAMES = [
  HOSTILE.className,
  ...Array.from({ length: 9 }, (_, i) => `class ${i + 1}`),
];

/** A 28x28 image as the evaluation stores it: base64 of its bytes. */
const PIXELS = Buffer.from(Uint8Array.from({ length: 784 }, (_, i) => (i * 7) % 256)).toString(
  'base64',
);

/** A finished job with a test evaluation, built by hand so each field is known. */
export function completedJob(overrides: Partial<TrainingJobView> = {}): TrainingJobView {
  const confusion = CLASS_NAMES.map((_, r) =>
    CLASS_NAMES.map((_, c) => (r === c ? 18 : r === (c + 1) % 10 ? 2 : 0)),
  );
  const test = {
    accuracy: 0.9,
    count: 200,
    perClass: CLASS_NAMES.map((className, label) => ({
      label,
      className,
      precision: 0.9,
      recall: 0.9,
      f1: 0.9,
      support: 20,
    })),
    macro: { precision: 0.9, recall: 0.9, f1: 0.9 },
    confusion,
    calibrationError: 0.0425,
    misclassified: [
      { index: 7, label: 0, predicted: 9, confidence: 0.61, pixels: PIXELS },
      { index: 9, label: 3, predicted: 2, confidence: 0.55, pixels: PIXELS },
      // Malformed records are left out, never allowed to break the page.
      { index: 'x', label: 0 },
      { index: 11, label: 1, predicted: 0, confidence: 0.5, pixels: 'AAAA' },
    ],
  } as unknown as NonNullable<TrainingJobView['test']>;
  return {
    id: '42',
    status: 'completed',
    state: 'completed',
    transitions: [
      { state: 'queued', at: '2025-01-01T10:00:00.000Z', reason: 'submitted' },
      { state: 'active', at: '2025-01-01T10:00:01.000Z', reason: HOSTILE.reason, attempt: 1 },
      {
        state: 'completed',
        at: '2025-01-01T10:05:00.000Z',
        reason: 'model 42 registered',
        attempt: 1,
      },
    ],
    cancelRequestedAt: null,
    dataset: HOSTILE.dataset,
    spec: {} as TrainingJobView['spec'],
    training: {} as TrainingJobView['training'],
    progress: null,
    history: [1, 2, 3].map((epoch) => ({
      epoch,
      loss: 1 / epoch,
      acc: 0.5 + epoch / 10,
      val_loss: 1.2 / epoch,
      val_acc: 0.45 + epoch / 10,
      seconds: 10,
      imagesPerSecond: 5000,
    })),
    bestValAcc: 0.75,
    test,
    modelId: '42',
    bestCheckpoint: null,
    backend: 'wasm',
    attempts: 1,
    createdAt: '2025-01-01T10:00:00.000Z',
    startedAt: '2025-01-01T10:00:01.000Z',
    finishedAt: '2025-01-01T10:05:00.000Z',
    error: null,
    ...overrides,
  };
}

export const LINKS = {
  self: '/v1/training-jobs/42',
  events: '/v1/training-jobs/42/events',
  model: '/v1/models/42',
  dataset: '/v1/datasets/ds-x',
  datasetReport: '/v1/datasets/ds-x/report',
};

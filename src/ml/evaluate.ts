import type { LabelledImageSet } from '../data/types.js';
import { expectedCalibrationError } from './calibration.js';
import { type MisclassifiedSample, misclassifiedSamples } from './misclassified.js';

/**
 * Classifier evaluation on a labelled set: confusion matrix, accuracy,
 * per-class / macro-averaged precision, recall and F1, the expected calibration
 * error and a sample of the mistakes.
 *
 * Pure functions over plain arrays, so they work on labels read from IDX files
 * (`Uint8Array`) and on predictions from any backend.
 *
 * Convention: a ratio whose denominator is 0 is defined as 0. This applies to
 * precision (class never predicted), recall (class absent from the labels) and
 * F1 (precision + recall = 0). It is the same choice as scikit-learn's
 * `zero_division=0`, and it keeps every metric a finite number in [0, 1].
 */

export interface ClassMetrics {
  label: number;
  className?: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of examples whose true label is this class. */
  support: number;
}

export type { MisclassifiedSample } from './misclassified.js';

/** What the predicted labels alone tell. */
export interface ClassificationMetrics {
  /** Fraction of examples predicted correctly. */
  accuracy: number;
  count: number;
  perClass: ClassMetrics[];
  /**
   * Unweighted means over all `numClasses` classes, including classes with no
   * support (they contribute 0 under the 0/0 convention). `f1` is the mean of
   * the per-class F1 scores, not the F1 of the macro precision and recall.
   */
  macro: { precision: number; recall: number; f1: number };
  /** `confusion[t][p]`: number of examples of true class `t` predicted as `p`. */
  confusion: number[][];
}

/** The metrics plus what the model's confidences tell. */
export interface Evaluation extends ClassificationMetrics {
  /** Expected calibration error over 15 equal-width confidence bins (see calibration.ts). */
  calibrationError: number;
  /** Up to 24 mistakes spread across true classes, in row order (see misclassified.ts). */
  misclassified: MisclassifiedSample[];
}

/** A model's answers for every row of a set: top class and its probability. */
export interface ModelOutputs {
  predicted: ArrayLike<number>;
  confidences: ArrayLike<number>;
}

function checkNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  }
}

function checkClassIndices(what: string, values: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new RangeError(
        `${what}[${i}] = ${v} is not a class index (an integer in [0, ${numClasses - 1}])`,
      );
    }
  }
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * Confusion matrix with rows = true class and columns = predicted class.
 * Throws if the arrays differ in length or hold anything but class indices.
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[][] {
  checkNumClasses(numClasses);
  if (labels.length !== predicted.length) {
    throw new RangeError(
      `labels and predicted differ in length: ${labels.length} vs ${predicted.length}`,
    );
  }
  checkClassIndices('labels', labels, numClasses);
  checkClassIndices('predicted', predicted, numClasses);

  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = confusion[labels[i] as number] as number[];
    const p = predicted[i] as number;
    row[p] = (row[p] as number) + 1;
  }
  return confusion;
}

/**
 * Every metric of a model's outputs on `set`: classification metrics, calibration
 * error, and misclassified examples with their images.
 */
export function evaluate(
  set: LabelledImageSet,
  outputs: ModelOutputs,
  numClasses: number,
  classNames?: readonly string[],
): Evaluation {
  const metrics = classificationMetrics(set.labels, outputs.predicted, numClasses, classNames);
  return {
    ...metrics,
    calibrationError: expectedCalibrationError(set.labels, outputs.predicted, outputs.confidences),
    misclassified: misclassifiedSamples(set, outputs.predicted, outputs.confidences),
  };
}

/**
 * Accuracy, per-class and macro precision/recall/F1 of `predicted` against
 * `labels`. Throws on an empty set, whose accuracy would be meaningless.
 */
export function classificationMetrics(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
  classNames?: readonly string[],
): ClassificationMetrics {
  const confusion = confusionMatrix(labels, predicted, numClasses);
  if (classNames !== undefined && classNames.length !== numClasses) {
    throw new RangeError(
      `classNames has ${classNames.length} entries but numClasses is ${numClasses}`,
    );
  }
  const count = labels.length;
  if (count === 0) throw new RangeError('cannot evaluate an empty set');

  const rowSums = confusion.map((row) => row.reduce((sum, v) => sum + v, 0));
  const colSums = new Array<number>(numClasses).fill(0);
  for (const row of confusion) {
    row.forEach((v, p) => {
      colSums[p] = (colSums[p] as number) + v;
    });
  }

  let correct = 0;
  const perClass = confusion.map((row, c): ClassMetrics => {
    const tp = row[c] as number;
    correct += tp;
    const support = rowSums[c] as number;
    const precision = ratio(tp, colSums[c] as number);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    const name = classNames?.[c];
    return {
      label: c,
      ...(name !== undefined && { className: name }),
      precision,
      recall,
      f1,
      support,
    };
  });

  return {
    accuracy: correct / count,
    count,
    perClass,
    macro: {
      precision: mean(perClass.map((m) => m.precision)),
      recall: mean(perClass.map((m) => m.recall)),
      f1: mean(perClass.map((m) => m.f1)),
    },
    confusion,
  };
}

/**
 * Predicted label for each row of a row-major `[n, numClasses]` batch of
 * scores (probabilities or logits). Ties go to the lowest index, as in
 * `tf.argMax` and `numpy.argmax`. NaN scores throw: they mean a diverged model,
 * and silently mapping them to some class would hide that in the metrics.
 */
export function argmaxRows(probs: ArrayLike<number>, numClasses: number): Int32Array {
  checkNumClasses(numClasses);
  if (probs.length % numClasses !== 0) {
    throw new RangeError(
      `probs has ${probs.length} values, not a multiple of numClasses (${numClasses})`,
    );
  }
  const n = probs.length / numClasses;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * numClasses;
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      const v = probs[base + c] as number;
      if (Number.isNaN(v)) throw new RangeError(`probs row ${r} has NaN at class ${c}`);
      // Strict '>' keeps the first of equal maxima; -Infinity rows stay at 0.
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

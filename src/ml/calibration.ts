/** Bins of the reliability diagram, as in Guo et al., "On Calibration of Modern Neural Networks" (2017). */
export const CALIBRATION_BINS = 15;

/**
 * Expected calibration error: the confidences (each example's top-class probability) are
 * put in `bins` equal-width bins over [0, 1], bin m holding ((m-1)/bins, m/bins] (the first
 * also holds 0); the error is the sum over bins of |accuracy - mean confidence| weighted by
 * the fraction of examples in the bin. 0 means confidences match how often the model is
 * right; a model that says 0.9 and is right half the time scores 0.4.
 */
export function expectedCalibrationError(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  confidences: ArrayLike<number>,
  bins = CALIBRATION_BINS,
): number {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  }
  const n = labels.length;
  if (predicted.length !== n || confidences.length !== n) {
    throw new RangeError(
      `labels, predicted and confidences differ in length: ${n}, ${predicted.length}, ${confidences.length}`,
    );
  }
  if (n === 0) throw new RangeError('cannot compute the calibration error of an empty set');
  const counts = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const confidenceSums = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const confidence = confidences[i] as number;
    // Float32 softmax outputs may exceed 1 by a rounding step; anything further is a bug.
    if (!(confidence >= 0 && confidence <= 1 + 1e-6)) {
      throw new RangeError(`confidences[${i}] = ${confidence} is not a probability`);
    }
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
    counts[bin] = (counts[bin] as number) + 1;
    confidenceSums[bin] = (confidenceSums[bin] as number) + confidence;
    if (labels[i] === predicted[i]) correct[bin] = (correct[bin] as number) + 1;
  }
  let error = 0;
  for (let b = 0; b < bins; b++) {
    const count = counts[b] as number;
    if (count === 0) continue;
    const gap = Math.abs((correct[b] as number) / count - (confidenceSums[b] as number) / count);
    error += (count / n) * gap;
  }
  return error;
}

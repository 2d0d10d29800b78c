import type { ModelSpec } from './spec.js';

/** What a data set holds, known without reading its images: greyscale images of one size. */
export interface DatasetShape {
  height: number;
  width: number;
  classes: number;
}

/** A spec that cannot train on a data set; the message names both figures. */
export class SpecFitError extends Error {
  override readonly name = 'SpecFitError';
  readonly code = 'DATASET_MISMATCH';
}

/**
 * The spec must take the data set's images as they are (training does not resize) and answer
 * in exactly its classes: a model of 3 classes trained on labels 0-9 learns nothing of the
 * other 7, yet would complete and be served.
 */
export function checkSpecFits(spec: ModelSpec, dataset: string, shape: DatasetShape): void {
  const { height, width, classes } = shape;
  if (spec.numClasses !== classes) {
    throw new SpecFitError(
      `numClasses is ${spec.numClasses} but data set '${dataset}' has ${classes} classes (labels 0-${classes - 1}); set numClasses to ${classes}`,
    );
  }
  const [h, w, c] = spec.inputShape;
  if (h !== height || w !== width || c !== 1) {
    throw new SpecFitError(
      `inputShape is [${h}, ${w}, ${c}] but data set '${dataset}' holds ${height}x${width} greyscale images; set inputShape to [${height}, ${width}, 1]`,
    );
  }
}

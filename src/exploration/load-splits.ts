import { type DataSource, loadTrainingData } from '../data/data-source.js';
import { DataSplitError } from '../data/index.js';
import { ExplorationError } from './errors.js';
import type { DatasetSplits } from './split-stats.js';

/**
 * A data set split exactly as a training job with default options splits it (the seed's
 * split: `val` is the test files, `test` a draw of `testPerClass` images per class from the
 * training files, `train` the rest), through the same function, so what is shown is what a
 * job trains on. Plain arrays: no tfjs is involved.
 */
export async function loadSplits(
  source: DataSource,
  testPerClass: number | undefined,
): Promise<DatasetSplits> {
  try {
    return await loadTrainingData(source, { testPerClass });
  } catch (err) {
    if (!(err instanceof DataSplitError)) throw err;
    throw new ExplorationError(
      'SPLIT_UNAVAILABLE',
      `${err.message}; ask with a smaller 'testPerClass' (a training job on this data set needs the same in training.testPerClass)`,
      { cause: err },
    );
  }
}

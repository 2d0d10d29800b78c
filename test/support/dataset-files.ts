import { join } from 'node:path';
import { type LabelledImageSet, readIdxPair, selectRows } from '../../src/data/index.js';
import { idxImages, idxLabels } from '../data/support/idx-bytes.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** The first `trainCount` official training images and `testCount` test images (real data). */
export async function firstRealImages(
  trainCount: number,
  testCount: number,
): Promise<{ train: LabelledImageSet; test: LabelledImageSet }> {
  const first = async (prefix: string, n: number) =>
    selectRows(
      await readIdxPair(
        join(FASHION, `${prefix}-images-idx3-ubyte.gz`),
        join(FASHION, `${prefix}-labels-idx1-ubyte.gz`),
      ),
      Array.from({ length: n }, (_, i) => i),
    );
  return { train: await first('train', trainCount), test: await first('t10k', testCount) };
}

/** A set in the Kaggle CSV layout the notebook read: `label,pixel1..pixelN`. */
export function csvText(set: LabelledImageSet): string {
  const size = set.height * set.width;
  const header = ['label', ...Array.from({ length: size }, (_, i) => `pixel${i + 1}`)];
  const rows = Array.from({ length: set.count }, (_, i) =>
    [set.labels[i], ...set.images.subarray(i * size, (i + 1) * size)].join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

/** A set as IDX image and label file bytes. */
export const idxOf = (set: LabelledImageSet) => ({
  images: idxImages(set.count, set.height, set.width, set.images),
  labels: idxLabels(Array.from(set.labels)),
});

import { countPerClass, type LabelledImageSet } from '../data/index.js';

/** The three sets training uses, as `loadTrainingData` splits a data set. */
export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** A data set split for training, with a name per label. */
export type DatasetSplits = Record<SplitName, LabelledImageSet> & {
  classNames: readonly string[];
};

export interface ClassCount {
  label: number;
  className: string;
  count: number;
  /** `count` over the split's size; 0 in an empty split. */
  fraction: number;
}

export interface SplitCounts {
  count: number;
  /** Every label of the data set in order, including those the split lacks. */
  perClass: ClassCount[];
}

export interface SplitStats {
  classNames: string[];
  splits: Record<SplitName, SplitCounts>;
}

/** Image counts per class of each split: the notebook's class distribution, as numbers. */
export function splitStats(data: DatasetSplits): SplitStats {
  const classNames = [...data.classNames];
  const counts = (set: LabelledImageSet): SplitCounts => {
    const perLabel = countPerClass(set.labels, classNames.length);
    return {
      count: set.count,
      perClass: perLabel.map((count, label) => ({
        label,
        className: classNames[label] ?? String(label),
        count,
        fraction: set.count === 0 ? 0 : count / set.count,
      })),
    };
  };
  return {
    classNames,
    splits: { train: counts(data.train), val: counts(data.val), test: counts(data.test) },
  };
}

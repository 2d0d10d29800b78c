import {
  BUILT_IN_DATASET,
  CLASS_NAMES,
  type LabelledImageSet,
  loadFashionMnist,
  readFashionCsv,
  readIdxPair,
  type SeedSplit,
  seedSplit,
} from './index.js';

/** Where training data comes from: the built-in Fashion-MNIST, or files in IDX or CSV form. */
export type DataSource =
  | { kind: 'fashion-mnist'; dataDir: string; download?: boolean }
  | {
      kind: 'idx';
      trainImages: string;
      trainLabels: string;
      testImages: string;
      testLabels: string;
    }
  | { kind: 'csv'; train: string; test: string };

/** How a data set id finds its files: the built-in set's directory, and the uploads' store. */
export interface DatasetSources {
  /** Where Fashion-MNIST is, or is downloaded to. */
  dataDir: string;
  /** Whether a missing Fashion-MNIST is downloaded (a worker) or an error (the API). */
  download: boolean;
  /** The files of an uploaded data set; without it, only the built-in set resolves. */
  uploaded?: (id: string) => Promise<DataSource>;
}

/** The one mapping of a data set id to its source; unknown ids reject as `uploaded` does. */
export async function datasetSource(id: string, sources: DatasetSources): Promise<DataSource> {
  if (id === BUILT_IN_DATASET) {
    return { kind: 'fashion-mnist', dataDir: sources.dataDir, download: sources.download };
  }
  if (!sources.uploaded) throw new Error(`data set '${id}': uploaded data sets are not available`);
  return sources.uploaded(id);
}

export interface SplitOptions {
  /** Images per class drawn from the training files as the held-out test set (seed: 1000). */
  testPerClass?: number;
  trainSize?: number;
  valSize?: number;
  testSize?: number;
}

export interface LoadedData extends SeedSplit {
  classNames: readonly string[];
  /** Where the files were found, for logs. */
  origin: string;
}

/**
 * Loads a data source and splits it as the seed notebook does: the source's test files
 * are the validation set; a balanced test set is drawn from its training files.
 */
export async function loadTrainingData(
  source: DataSource,
  split: SplitOptions = {},
): Promise<LoadedData> {
  const { train, test, origin } = await loadPair(source);
  const parts = seedSplit(train, test, {
    perClass: split.testPerClass,
    trainSize: split.trainSize,
    valSize: split.valSize,
    testSize: split.testSize,
  });
  const classes = Math.max(maxLabel(train), maxLabel(test)) + 1;
  const classNames =
    classes <= CLASS_NAMES.length && source.kind === 'fashion-mnist'
      ? CLASS_NAMES
      : Array.from({ length: classes }, (_, i) => String(i));
  return { ...parts, classNames, origin };
}

async function loadPair(
  source: DataSource,
): Promise<{ train: LabelledImageSet; test: LabelledImageSet; origin: string }> {
  switch (source.kind) {
    case 'fashion-mnist': {
      const loaded = await loadFashionMnist({
        dataDir: source.dataDir,
        download: source.download,
      });
      return { ...loaded, origin: `${loaded.location.dir} (${loaded.location.source})` };
    }
    case 'idx': {
      const [train, test] = await Promise.all([
        readIdxPair(source.trainImages, source.trainLabels),
        readIdxPair(source.testImages, source.testLabels),
      ]);
      return { train, test, origin: source.trainImages };
    }
    case 'csv': {
      const [train, test] = await Promise.all([
        readFashionCsv(source.train),
        readFashionCsv(source.test),
      ]);
      return { train, test, origin: source.train };
    }
  }
}

function maxLabel(set: LabelledImageSet): number {
  let max = 0;
  for (const label of set.labels) if (label > max) max = label;
  return max;
}

import { datasetSource, loadTrainingData, type SplitOptions } from '../data/data-source.js';
import type { LabelledImageSet } from '../data/types.js';
import type { DatasetStore } from '../store/dataset-store.js';

export type EvaluationSplit = 'test' | 'val' | 'train';

export interface EvaluationSetsOptions {
  /** Uploaded data sets; without it only the built-in one can be evaluated on. */
  datasets?: DatasetStore;
  /** Where the built-in Fashion-MNIST is looked for (never downloaded here). */
  dataDir: string;
  /** Splits kept in memory; default 4 (Fashion-MNIST's test split is 7.8 MB). */
  cacheSize?: number;
}

/** A split as the training made it. */
export interface EvaluationSet {
  set: LabelledImageSet;
  /** Classes the data set holds: its largest label plus one. */
  classes: number;
}

export interface EvaluationSets {
  /** StoreError NOT_FOUND / INVALID_ID for an unknown data set; data errors as thrown. */
  load(dataset: string, split: EvaluationSplit, options: SplitOptions): Promise<EvaluationSet>;
}

/**
 * Splits of data sets, made by the training's own loader so a model is evaluated on exactly
 * the rows it was tested (or validated, or trained) on. Reading and splitting Fashion-MNIST
 * takes a second or two, and data sets never change once stored, so recent splits are kept;
 * concurrent requests for one split share one load.
 */
export function createEvaluationSets(options: EvaluationSetsOptions): EvaluationSets {
  const cacheSize = options.cacheSize ?? 4;
  const cache = new Map<string, Promise<EvaluationSet>>();

  const sourceOf = (dataset: string) =>
    datasetSource(dataset, {
      dataDir: options.dataDir,
      download: false,
      uploaded: options.datasets?.source,
    });

  async function read(
    dataset: string,
    split: EvaluationSplit,
    splitOptions: SplitOptions,
  ): Promise<EvaluationSet> {
    const data = await loadTrainingData(await sourceOf(dataset), splitOptions);
    // Only the split asked for is kept: the training split alone is 39 MB.
    return { set: data[split], classes: data.classNames.length };
  }

  return {
    load(dataset, split, splitOptions) {
      const key = JSON.stringify([dataset, split, splitOptions]);
      let entry = cache.get(key);
      if (entry) {
        // Most recently used last, so the first key is the one to drop.
        cache.delete(key);
      } else {
        const loading = read(dataset, split, splitOptions);
        // Forget a failed load, unless a newer load of the same key has replaced it.
        loading.catch(() => {
          if (cache.get(key) === loading) cache.delete(key);
        });
        entry = loading;
      }
      cache.set(key, entry);
      while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
      return entry;
    },
  };
}

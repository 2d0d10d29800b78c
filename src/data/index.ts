export { type BalancedSplit, type BalancedSplitOptions, balancedSplit } from './balanced-split.js';
export { balancedSubset, balancedSubsetRows } from './balanced-subset.js';
export { type CsvOptions, readFashionCsv, scanFashionCsv } from './csv.js';
export * from './errors.js';
export {
  type FashionMnist,
  type FashionMnistLocation,
  type FashionMnistPaths,
  type LocateFashionMnistOptions,
  loadFashionMnist,
  locateFashionMnist,
} from './fashion-mnist.js';
export {
  FASHION_MNIST_BASE_URL,
  FASHION_MNIST_FILES,
  type FashionMnistFile,
  SYSTEM_FASHION_MNIST_DIRS,
} from './fashion-mnist-files.js';
export {
  type IdxImages,
  type IdxLabelOptions,
  type IdxReadOptions,
  readIdxImages,
  readIdxLabels,
  readIdxPair,
  scanIdxPair,
} from './idx.js';
export { countPerClass, selectRows } from './labelled-set.js';
export { LegacyRandomState } from './legacy-random-state.js';
export {
  type DataLimits,
  type DataSummary,
  describeBytes,
  excerpt,
  READ_DATA_LIMITS,
  UPLOAD_DATA_LIMITS,
} from './limits.js';
export { MT19937 } from './mt19937.js';
export { type SeedSplit, type SeedSplitOptions, seedSplit } from './seed-split.js';
export {
  BUILT_IN_DATASET,
  CLASS_NAMES,
  type ClassName,
  type LabelledImageSet,
  NUM_CLASSES,
} from './types.js';
export type { FetchLike } from './verified-download.js';

export { DataFormatError } from './errors.js';

/** Grayscale images with one class label each. */
export interface LabelledImageSet {
  /** `count * height * width` pixels, image after image, each row-major, 0-255. */
  images: Uint8Array;
  /** One class index per image. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** Fashion-MNIST class names, indexed by label. */
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle Boot',
] as const;

export type ClassName = (typeof CLASS_NAMES)[number];

export const NUM_CLASSES = CLASS_NAMES.length;

/** The id of the built-in Fashion-MNIST wherever a data set is named: jobs, the API, the CLI. */
export const BUILT_IN_DATASET = 'fashion-mnist';

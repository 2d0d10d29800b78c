export interface FashionMnistFile {
  /** Uncompressed name; the official archive adds `.gz`. */
  name: string;
  /** MD5 of the official `.gz` archive, as listed in the upstream README. */
  archiveMd5: string;
  /**
   * MD5 of the decompressed IDX bytes. Mirrors re-compress the archives (Debian's
   * dataset-fashion-mnist does, stamping its own gzip header), which changes `archiveMd5` but
   * not this, so downloads are accepted when either matches.
   */
  contentMd5: string;
}

export const FASHION_MNIST_FILES = {
  trainImages: {
    name: 'train-images-idx3-ubyte',
    archiveMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    contentMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
  },
  trainLabels: {
    name: 'train-labels-idx1-ubyte',
    archiveMd5: '25c81989df183df01b3e8a0aad5dffbe',
    contentMd5: '9018921c3c673c538a1fc5bad174d6f9',
  },
  testImages: {
    name: 't10k-images-idx3-ubyte',
    archiveMd5: 'bef4ecab320f06d8554ea6380940ec79',
    contentMd5: '8181f5470baa50b63fa0f6fddb340f0a',
  },
  testLabels: {
    name: 't10k-labels-idx1-ubyte',
    archiveMd5: 'bb300cfdad3c16e7a12a480ee83cd310',
    contentMd5: '15d484375f8d13e6eb1aabb0c3f46965',
  },
} as const satisfies Record<string, FashionMnistFile>;

export type FashionMnistFileKey = keyof typeof FASHION_MNIST_FILES;

export const FASHION_MNIST_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const SYSTEM_FASHION_MNIST_DIRS: readonly string[] = ['/usr/share/datasets/fashion-mnist'];

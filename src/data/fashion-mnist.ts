import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSourceError } from './errors.js';
import {
  FASHION_MNIST_BASE_URL,
  FASHION_MNIST_FILES,
  type FashionMnistFileKey,
  SYSTEM_FASHION_MNIST_DIRS,
} from './fashion-mnist-files.js';
import { readIdxPair } from './idx.js';
import type { LabelledImageSet } from './types.js';
import { downloadVerified, type FetchLike } from './verified-download.js';

export interface LocateFashionMnistOptions {
  /** Searched first, and where downloads go. */
  dataDir: string;
  /** Fetch missing files when neither directory has them all; default true. */
  download?: boolean;
  /** Directory URL holding the four `.gz` files; defaults to the official source. */
  baseUrl?: string;
  fetchImpl?: FetchLike;
  /** Searched after `dataDir`; defaults to where Debian's dataset-fashion-mnist installs. */
  systemDirs?: readonly string[];
}

export type FashionMnistPaths = Record<FashionMnistFileKey, string>;

export interface FashionMnistLocation {
  dir: string;
  source: 'configured' | 'system' | 'downloaded';
  files: FashionMnistPaths;
}

const KEYS = Object.keys(FASHION_MNIST_FILES) as FashionMnistFileKey[];

/** Finds the four Fashion-MNIST files in `dataDir`, then the system directories, else downloads them. */
export async function locateFashionMnist(
  options: LocateFashionMnistOptions,
): Promise<FashionMnistLocation> {
  const { dataDir, download = true, baseUrl = FASHION_MNIST_BASE_URL, fetchImpl } = options;
  const systemDirs = options.systemDirs ?? SYSTEM_FASHION_MNIST_DIRS;

  const configured = await findFiles(dataDir);
  if (isComplete(configured)) return { dir: dataDir, source: 'configured', files: configured };
  for (const dir of systemDirs) {
    const found = await findFiles(dir);
    if (isComplete(found)) return { dir, source: 'system', files: found };
  }

  const missing = KEYS.filter((key) => !configured[key]);
  if (!download) {
    const names = missing.map((key) => `${FASHION_MNIST_FILES[key].name}(.gz)`).join(', ');
    throw new DataSourceError(
      'NOT_FOUND',
      `Fashion-MNIST not found: ${names} missing from ${[dataDir, ...systemDirs].join(' and ')}, ` +
        `and downloading is disabled (enable it to fetch the files from ${baseUrl} into ${dataDir})`,
    );
  }
  await mkdir(dataDir, { recursive: true });
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const files: Partial<FashionMnistPaths> = { ...configured };
  for (const key of missing) {
    const file = FASHION_MNIST_FILES[key];
    files[key] = await downloadVerified(`${base}${file.name}.gz`, dataDir, file, fetchImpl);
  }
  return { dir: dataDir, source: 'downloaded', files: files as FashionMnistPaths };
}

export interface FashionMnist {
  /** The official 60,000 training images. */
  train: LabelledImageSet;
  /** The official 10,000 t10k images. */
  test: LabelledImageSet;
  location: FashionMnistLocation;
}

export async function loadFashionMnist(options: LocateFashionMnistOptions): Promise<FashionMnist> {
  const location = await locateFashionMnist(options);
  const { files } = location;
  const [train, test] = await Promise.all([
    readIdxPair(files.trainImages, files.trainLabels),
    readIdxPair(files.testImages, files.testLabels),
  ]);
  return { train, test, location };
}

/** Paths of the files present in `dir`, preferring the `.gz` name. */
async function findFiles(dir: string): Promise<Partial<FashionMnistPaths>> {
  const found: Partial<FashionMnistPaths> = {};
  for (const key of KEYS) {
    const { name } = FASHION_MNIST_FILES[key];
    for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) {
      if (await isFile(candidate)) {
        found[key] = candidate;
        break;
      }
    }
  }
  return found;
}

function isComplete(found: Partial<FashionMnistPaths>): found is FashionMnistPaths {
  return KEYS.every((key) => found[key] !== undefined);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

import { loadFashionMnist, type SeedSplit, seedSplit } from '../../src/data/index.js';
import { parseSpec } from '../../src/ml/spec-parse.js';

/** A small CNN of the seed's shape that trains in well under a second per epoch. */
export const SMALL_SPEC = parseSpec({
  conv: [
    { channels: 4, pool: 2 },
    { channels: 8, pool: 2 },
  ],
  dense: [{ neurons: 32 }, {}],
});

let cached: Promise<SeedSplit> | undefined;

/** Real Fashion-MNIST (Debian's copy), split as the seed does, cut to small balanced subsets. */
export function smallFashionMnist(): Promise<SeedSplit> {
  cached ??= loadFashionMnist({ dataDir: 'data', download: false }).then((fm) =>
    seedSplit(fm.train, fm.test, { trainSize: 600, valSize: 300, testSize: 300 }),
  );
  return cached;
}

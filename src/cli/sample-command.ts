import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { readConfig } from '../config.js';
import { CLASS_NAMES, loadFashionMnist } from '../data/index.js';
import {
  formatOptions,
  integerOption,
  type OptionDoc,
  parseOptions,
  UsageError,
} from './option-table.js';

const OPTIONS: OptionDoc[] = [
  {
    name: 'index',
    type: 'string',
    value: 'N',
    help: 'Which image of the official test set (default 0).',
  },
  {
    name: 'out',
    type: 'string',
    value: 'FILE',
    help: 'Where to write the PNG (default sample.png).',
  },
  { name: 'help', type: 'boolean', help: 'Show this help.' },
];

export const SAMPLE_HELP = `Usage: tailor sample [--index N] [--out FILE]

Writes one Fashion-MNIST test image as a 28x28 grayscale PNG and prints its class, to
try /predict with a real image.

Options:
${formatOptions(OPTIONS)}`;

export async function sampleCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) {
    out.write(`${SAMPLE_HELP}\n`);
    return 0;
  }
  const index = integerOption(values, 'index', { min: 0, fallback: 0 }) as number;
  const file = (values.out as string | undefined) ?? 'sample.png';
  const { test } = await loadFashionMnist({ dataDir: readConfig().dataDir });
  if (index >= test.count)
    throw new UsageError(`--index must be below ${test.count}, got ${index}`);
  const size = test.width * test.height;
  const png = new PNG({ width: test.width, height: test.height });
  test.images.subarray(index * size, (index + 1) * size).forEach((v, i) => {
    png.data.set([v, v, v, 255], i * 4);
  });
  await writeFile(file, PNG.sync.write(png));
  const label = test.labels[index] as number;
  out.write(`${file}: test image ${index}, label ${label} (${CLASS_NAMES[label]})\n`);
  return 0;
}

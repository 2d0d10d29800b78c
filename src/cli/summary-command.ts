import { selectBackend } from '../ml/backend.js';
import { createModel } from '../ml/model.js';
import { summarize } from '../ml/summary.js';
import { formatOptions, type OptionDoc, parseOptions } from './option-table.js';
import { readSpecFile } from './spec-file.js';

const OPTIONS: OptionDoc[] = [{ name: 'help', type: 'boolean', help: 'Show this help.' }];

export const SUMMARY_HELP = `Usage: tailor summary [spec.json]

Prints the Keras-style summary of a model spec: every layer with its output shape and
parameter count. Without a file, the seed notebook's default CNN. The file holds a spec
({"conv": [...], "dense": [...]}) or the notebook's {"conv_params": ..., "fc_params": ...}.

Options:
${formatOptions(OPTIONS)}`;

export async function summaryCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values, positionals } = parseOptions(argv, OPTIONS, 1);
  if (values.help) {
    out.write(`${SUMMARY_HELP}\n`);
    return;
  }
  const spec = await readSpecFile(positionals[0]);
  // Building the model only to count it: the plain JS backend initialises fastest.
  await selectBackend('cpu');
  const model = createModel(spec);
  out.write(`${summarize(model)}\n`);
  model.dispose();
}

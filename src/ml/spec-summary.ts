import { DEFAULT_MODEL_NAME } from './model.js';
import { convBlockShapes, flattenedSize, type ModelSpec } from './spec.js';
import { formatSummary, pythonTuple, type SummaryRow } from './summary.js';

/**
 * The summary of the model a spec builds, computed from the spec alone: the API shows it
 * without building 3.4 million weights on its event loop. Tests hold it equal to
 * summarize(createModel(spec)).
 */
export function summarizeSpec(spec: ModelSpec, modelName = DEFAULT_MODEL_NAME): string {
  const rows: SummaryRow[] = [];
  const shape = (dims: readonly number[]) => pythonTuple([null, ...dims]);
  let trainable = 0;
  let nonTrainable = 0;
  const add = (name: string, type: string, dims: readonly number[], train = 0, fixed = 0) => {
    rows.push({ name, type, shape: shape(dims), params: train + fixed });
    trainable += train;
    nonTrainable += fixed;
  };
  add('input_1', 'InputLayer', spec.inputShape);
  convBlockShapes(spec.inputShape, spec.conv).forEach((s, i) => {
    const block = spec.conv[i] as ModelSpec['conv'][number];
    const c = block.channels;
    add(`conv${i}_pad`, 'ZeroPadding2D', s.padded);
    add(`conv${i}`, 'Conv2D', s.conv, block.filter * block.filter * s.input[2] * c + c);
    add(`conv${i}_bn`, 'BatchNormalization', s.conv, 2 * c, 2 * c);
    add(`conv${i}_act`, 'Activation', s.conv);
    add(`conv${i}_pool`, 'MaxPooling2D', s.output);
  });
  let width = flattenedSize(spec);
  add('flatten_1', 'Flatten', [width]);
  spec.dense.forEach((block, j) => {
    add(`fc${j}_bn`, 'BatchNormalization', [width], 2 * width, 2 * width);
    add(`fc${j}_drop`, 'Dropout', [width]);
    add(`fc${j}_act`, 'Dense', [block.neurons], width * block.neurons + block.neurons);
    width = block.neurons;
  });
  return formatSummary(modelName, rows, trainable, nonTrainable);
}

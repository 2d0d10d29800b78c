import type { LayersModel, layers } from '@tensorflow/tfjs-layers';

// Keras 2.x print_summary for a model whose layers form a chain: 65 columns,
// column ends at 45%, 85% and 100% of the line.
const LINE_LENGTH = 65;
const COLUMN_ENDS = [29, 55, 65] as const;
const HEADER = ['Layer (type)', 'Output Shape', 'Param #'] as const;

/**
 * Keras' print_row: each field is cut at its column end and padded to it; the
 * character before a new field is forced to a space so a cut field never runs
 * into the next one (hence "conv0_bn (BatchNormalization (None, ...").
 */
function row(fields: readonly string[]): string {
  let line = '';
  fields.forEach((field, i) => {
    const end = COLUMN_ENDS[i] ?? LINE_LENGTH;
    if (i > 0) line = `${line.slice(0, -1)} `;
    line = `${line}${field}`.slice(0, end).padEnd(end);
  });
  return line;
}

/** A shape as Python prints a Keras shape tuple: "(None, 28, 28, 1)", "(None, 6272)". */
function pythonTuple(shape: readonly (number | null)[]): string {
  const items = shape.map((size) => (size === null ? 'None' : String(size)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** Keras prints 'multiple' when a layer has no single output shape (shared layers). */
function outputShape(layer: layers.Layer): string {
  let shape: layers.Layer['outputShape'];
  try {
    shape = layer.outputShape;
  } catch {
    return 'multiple';
  }
  if (shape.some((size) => Array.isArray(size))) return 'multiple';
  return pythonTuple(shape as (number | null)[]);
}

function countWeights(weights: readonly { shape: readonly (number | null)[] }[]): number {
  return weights.reduce(
    (sum, weight) => sum + weight.shape.reduce<number>((n, d) => n * (d ?? 0), 1),
    0,
  );
}

/** Python's '{:,}'. */
function withThousands(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** One line of the table: "name (Type)", Keras' output shape text, parameter count. */
export interface SummaryRow {
  name: string;
  type: string;
  shape: string;
  params: number;
}

/**
 * The Keras 2.x `model.summary()` table (sequential-like layout, the one Keras prints when
 * every layer feeds the next, as createModel's do), lines joined by "\n" without a final
 * newline.
 */
export function formatSummary(
  modelName: string,
  rows: readonly SummaryRow[],
  trainable: number,
  nonTrainable: number,
): string {
  const lines = [
    `Model: "${modelName}"`,
    '_'.repeat(LINE_LENGTH),
    row(HEADER),
    '='.repeat(LINE_LENGTH),
  ];
  rows.forEach((r, i) => {
    lines.push(row([`${r.name} (${r.type})`, r.shape, String(r.params)]));
    lines.push((i === rows.length - 1 ? '=' : '_').repeat(LINE_LENGTH));
  });
  lines.push(
    `Total params: ${withThousands(trainable + nonTrainable)}`,
    `Trainable params: ${withThousands(trainable)}`,
    `Non-trainable params: ${withThousands(nonTrainable)}`,
    '_'.repeat(LINE_LENGTH),
  );
  return lines.join('\n');
}

/** A built model's summary. BatchNormalization's moving mean and variance are non-trainable. */
export function summarize(model: LayersModel): string {
  const rows = model.layers.map((layer) => ({
    name: layer.name,
    type: layer.getClassName(),
    shape: outputShape(layer),
    params: layer.countParams(),
  }));
  return formatSummary(
    model.name,
    rows,
    countWeights(model.trainableWeights),
    countWeights(model.nonTrainableWeights),
  );
}

export { pythonTuple };

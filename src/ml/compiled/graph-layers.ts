import type { ActivationName } from '../spec.js';
import { attr, type GraphBuilder } from './graph-builder.js';

/** The Keras layers of tailor's models as TensorFlow ops (NHWC, float32). */

const FLOAT = attr.type('float32');
const NHWC = attr.string('NHWC');

export function zeroPad(
  g: GraphBuilder,
  x: string,
  [top, bottom, left, right]: number[],
  name?: string,
) {
  const paddings = g.constant(
    [0, 0, top ?? 0, bottom ?? 0, left ?? 0, right ?? 0, 0, 0],
    [4, 2],
    'int32',
  );
  return g.out('Pad', [x, paddings], { T: FLOAT, Tpaddings: attr.type('int32') }, name);
}

/** Conv2D with 'valid' padding, then its bias. */
export function conv2d(
  g: GraphBuilder,
  x: string,
  kernel: string,
  bias: string,
  stride: number,
  name?: string,
) {
  const y = g.float(
    'Conv2D',
    [x, kernel],
    {
      strides: attr.ints([1, stride, stride, 1]),
      padding: attr.string('VALID'),
      data_format: NHWC,
    },
    name,
  );
  return g.float('BiasAdd', [y, bias], { data_format: NHWC });
}

export function dense(g: GraphBuilder, x: string, kernel: string, bias: string, name?: string) {
  const y = g.float(
    'MatMul',
    [x, kernel],
    { transpose_a: attr.bool(false), transpose_b: attr.bool(false) },
    name,
  );
  return g.float('BiasAdd', [y, bias], { data_format: NHWC });
}

export function maxPool(g: GraphBuilder, x: string, size: number, stride: number, name?: string) {
  return g.float(
    'MaxPool',
    [x],
    {
      ksize: attr.ints([1, size, size, 1]),
      strides: attr.ints([1, stride, stride, 1]),
      padding: attr.string('VALID'),
      data_format: NHWC,
    },
    name,
  );
}

/** FusedBatchNormV3 on NHWC `x`; returns the op's name (outputs: y, batch mean, variance, ...). */
export function fusedBatchNorm(
  g: GraphBuilder,
  inputs: [x: string, scale: string, offset: string, mean: string, variance: string],
  epsilon: number,
  training: boolean,
  name?: string,
): string {
  return g.add(
    'FusedBatchNormV3',
    inputs,
    {
      T: FLOAT,
      U: FLOAT,
      epsilon: attr.float(epsilon),
      data_format: NHWC,
      is_training: attr.bool(training),
    },
    name,
  );
}

export function reshape(
  g: GraphBuilder,
  x: string,
  shape: readonly number[],
  name?: string,
): string {
  return g.out(
    'Reshape',
    [x, g.constant(shape, [shape.length], 'int32')],
    {
      T: FLOAT,
      Tshape: attr.type('int32'),
    },
    name,
  );
}

const TF_ACTIVATIONS: Record<Exclude<ActivationName, 'linear' | 'swish'>, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  selu: 'Selu',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  softplus: 'Softplus',
  softsign: 'Softsign',
  softmax: 'Softmax',
};

export function activation(g: GraphBuilder, x: string, name: string, opName?: string): string {
  if (name === 'linear') return x;
  if (name === 'swish') return g.float('Mul', [x, g.float('Sigmoid', [x])], {}, opName);
  const op = TF_ACTIVATIONS[name as keyof typeof TF_ACTIVATIONS];
  if (!op) throw new Error(`activation '${name}' has no TensorFlow op here`);
  return g.float(op, [x], {}, opName);
}

import { BATCH_NORM } from '../model.js';
import { type OptimizerName, weightDecayOf } from '../optimizer.js';
import { convBlockShapes, flattenedSize, type ModelSpec } from '../spec.js';
import type { StepRecipe } from '../step-recipe.js';
import type { GraphAddon } from './graph-addon.js';
import { attr, GraphBuilder, type GraphVariable } from './graph-builder.js';
import {
  activation,
  conv2d,
  dense,
  fusedBatchNorm,
  maxPool,
  reshape,
  zeroPad,
} from './graph-layers.js';

/** tfjs' Adam and RMSProp defaults, which createOptimizer uses (RMSProp's ε is tfjs' float32 epsilon). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;
const RMSPROP = { rho: 0.9, momentum: 0, epsilon: 1e-7 } as const;
const FLOAT = attr.type('float32');

/** Placeholders fed on every step. */
export interface StepFeeds {
  images: string;
  /** One-hot labels. */
  labels: string;
  /** Rows in the batch, as a float: batch-norm turns TF's unbiased variance into Keras'. */
  rows: string;
  /** Weight of the new batch in the moving statistics (see batch-norm-layer.ts). */
  movingRate: string;
  /** Per dense block: its dropout mask (already scaled by 1/keep), or none at rate 0. */
  masks: (string | undefined)[];
  /** The optimizer's per-step scalars, by name (learning rate, Adam's powers, ...). */
  scalars: Record<string, string>;
}

/**
 * One training step of a spec's model as a TensorFlow graph: forward pass in training mode,
 * softmax cross-entropy on the logits, gradients by TF_AddGradients, the optimizer's update
 * and the batch-norm moving statistics, all inside TensorFlow. Weights and optimizer slots
 * are resource variables named like the tfjs model's weights (`conv0/kernel`) and slots
 * (`conv0/kernel/m`).
 */
export interface TrainingGraph {
  readonly builder: GraphBuilder;
  readonly feeds: StepFeeds;
  readonly loss: string;
  readonly logits: string;
  /** Every weight, in the tfjs model's order (trainable and moving statistics). */
  readonly weights: GraphVariable[];
  /** Optimizer slots in the saved order of tfjs' optimizer (all m, then all v, ...). */
  readonly slots: GraphVariable[];
  /** Ops a training step runs for their effect. */
  readonly updates: string[];
}

export function buildTrainingGraph(
  addon: GraphAddon,
  spec: ModelSpec,
  optimizer: OptimizerName,
  recipe: StepRecipe = {},
): TrainingGraph {
  const g = new GraphBuilder(addon, addon.createGraph());
  const [height, width, channels] = spec.inputShape;
  const feeds: StepFeeds = {
    images: g.placeholder('images', [-1, height, width, channels]),
    labels: g.placeholder('labels', [-1, spec.numClasses]),
    rows: g.placeholder('rows', []),
    movingRate: g.placeholder('moving_rate', []),
    masks: [],
    scalars: {},
  };
  const weights: GraphVariable[] = [];
  const trainable: GraphVariable[] = [];
  const updates: string[] = [];
  const weight = (name: string, shape: readonly number[], trains = true) => {
    const v = g.variable(name, shape);
    weights.push(v);
    if (trains) trainable.push(v);
    return v;
  };

  /** Keras BatchNormalization in training mode on NHWC `x` of `pixels` positions per row. */
  const batchNorm = (x: string, name: string, features: number, pixels: number) => {
    const gamma = weight(`${name}/gamma`, [features]);
    const beta = weight(`${name}/beta`, [features]);
    const movingMean = weight(`${name}/moving_mean`, [features], false);
    const movingVariance = weight(`${name}/moving_variance`, [features], false);
    const empty = g.constant([], [0]);
    const bn = fusedBatchNorm(
      g,
      [x, gamma.read, beta.read, empty, empty],
      BATCH_NORM.epsilon,
      true,
      name,
    );
    // TF hands out the unbiased batch variance; Keras and tfjs average the biased one.
    const count = g.float('Mul', [feeds.rows, g.scalar(pixels)]);
    const biased = g.float('Sub', [g.scalar(1), g.float('Reciprocal', [count])]);
    const variance = g.float('Mul', [`${bn}:2`, biased]);
    const move = (v: GraphVariable, batch: string) => {
      const step = g.float('Mul', [g.float('Sub', [batch, v.read]), feeds.movingRate]);
      updates.push(g.assignTo(v.handle, g.float('AddV2', [v.read, step]), `${v.name}/update`));
    };
    move(movingMean, `${bn}:1`);
    move(movingVariance, variance);
    return `${bn}:0`;
  };

  let x = feeds.images;
  const shapes = convBlockShapes(spec.inputShape, spec.conv);
  spec.conv.forEach((block, i) => {
    const shape = shapes[i];
    if (!shape) throw new Error(`no shape for conv block ${i}`);
    const name = `conv${i}`;
    const p = block.pad;
    if (p > 0) x = zeroPad(g, x, [p, p, p, p], `${name}_pad`);
    const kernel = weight(`${name}/kernel`, [
      block.filter,
      block.filter,
      shape.input[2],
      block.channels,
    ]);
    const bias = weight(`${name}/bias`, [block.channels]);
    x = conv2d(g, x, kernel.read, bias.read, block.stride, name);
    x = batchNorm(x, `${name}_bn`, block.channels, shape.conv[0] * shape.conv[1]);
    x = activation(g, x, block.activation, `${name}_act`);
    if (block.pool > 1) x = maxPool(g, x, block.pool, block.pool, `${name}_pool`);
  });

  let features = flattenedSize(spec);
  x = reshape(g, x, [-1, features], 'flatten_1');
  let logits = '';
  spec.dense.forEach((block, j) => {
    const name = `fc${j}`;
    // FusedBatchNormV3 wants NHWC: each row is one 1x1 pixel with `features` channels.
    x = reshape(g, batchNorm(reshape(g, x, [-1, 1, 1, features]), `${name}_bn`, features, 1), [
      -1,
      features,
    ]);
    if (block.dropout > 0) {
      const mask = g.placeholder(`${name}_drop/mask`, [-1, features]);
      feeds.masks[j] = mask;
      x = g.float('Mul', [x, mask], {}, `${name}_drop`);
    }
    const kernel = weight(`${name}_act/kernel`, [features, block.neurons]);
    const bias = weight(`${name}_act/bias`, [block.neurons]);
    x = dense(g, x, kernel.read, bias.read, `${name}_act`);
    features = block.neurons;
    if (j === spec.dense.length - 1) logits = x;
    else x = activation(g, x, block.activation, `${name}_act/activation`);
  });

  const entropy = g.add('SoftmaxCrossEntropyWithLogits', [logits, feeds.labels], { T: FLOAT });
  const loss = g.float(
    'Mean',
    [`${entropy}:0`, g.constant([0], [1], 'int32')],
    {
      Tidx: attr.type('int32'),
      keep_dims: attr.bool(false),
    },
    'loss',
  );
  const raw = g.addon.addGradients(
    g.graph,
    [loss],
    trainable.map((v) => v.read),
    'gradients',
  );
  const grads = recipe.clipNorm ? clipByGlobalNorm(g, raw, recipe.clipNorm) : raw;
  const decays =
    weightDecayOf(optimizer, recipe.weightDecay) > 0
      ? decayWeights(g, trainable, grads, feeds.scalars)
      : [];
  const slots = applyOptimizer(
    g,
    optimizer,
    recipe,
    trainable,
    grads,
    feeds.scalars,
    updates,
    decays,
  );
  return { builder: g, feeds, loss, logits, weights, slots, updates };
}

/**
 * The update of tfjs' optimizer of that name, through TensorFlow's fused training ops.
 * Adam: TF's ApplyAdam puts epsilon outside the uncorrected √v; fed ε·√(1 − β₂ᵗ) it
 * computes exactly tfjs' w − lr·m̂/(√v̂ + ε) (see CompiledEngine.stepScalars).
 */
function applyOptimizer(
  g: GraphBuilder,
  optimizer: OptimizerName,
  recipe: StepRecipe,
  trainable: GraphVariable[],
  grads: string[],
  scalars: Record<string, string>,
  updates: string[],
  /** Per variable, the op that must run first (its weight decay), if any. */
  before: string[],
): GraphVariable[] {
  const scalar = (name: string) => {
    scalars[name] = g.placeholder(`optimizer/${name}`, []);
    return scalars[name];
  };
  const lr = scalar('learningRate');
  const slotsOf = (suffixes: string[]) =>
    suffixes.flatMap((suffix) => trainable.map((v) => g.variable(`${v.name}/${suffix}`, v.shape)));
  const apply = (
    type: string,
    v: GraphVariable,
    inputs: string[],
    attrs: Record<string, ReturnType<typeof attr.bool>> = {},
  ) => {
    const i = trainable.indexOf(v);
    updates.push(
      g.add(
        type,
        [v.handle, ...inputs],
        { T: FLOAT, use_locking: attr.bool(false), ...attrs },
        `${v.name}/apply`,
        before[i] ? [before[i]] : [],
      ),
    );
  };
  /** An update with two slots per variable (saved all first slots, then all second). */
  const withTwoSlots = (
    type: string,
    suffixes: [string, string],
    rest: (grad: string) => string[],
  ) => {
    const slots = slotsOf(suffixes);
    const n = trainable.length;
    trainable.forEach((v, i) => {
      const first = slots[i] as GraphVariable;
      const second = slots[n + i] as GraphVariable;
      apply(type, v, [first.handle, second.handle, ...rest(grads[i] as string)]);
    });
    return slots;
  };
  switch (optimizer) {
    case 'sgd': {
      if (!recipe.momentum) {
        trainable.forEach((v, i) => {
          apply('ResourceApplyGradientDescent', v, [lr, grads[i] as string]);
        });
        return [];
      }
      // TF's and tfjs' momentum are the same update: accum = m·accum + g, then
      // w −= lr·accum, or lr·(g + m·accum) in Nesterov's form.
      const slots = slotsOf(['momentum']);
      const momentum = g.scalar(recipe.momentum);
      trainable.forEach((v, i) => {
        apply(
          'ResourceApplyMomentum',
          v,
          [(slots[i] as GraphVariable).handle, lr, grads[i] as string, momentum],
          { use_nesterov: attr.bool(recipe.nesterov ?? false) },
        );
      });
      return slots;
    }
    case 'adam':
    case 'adamw': {
      const [beta1Power, beta2Power, epsilon] = ['beta1Power', 'beta2Power', 'epsilon'].map(
        scalar,
      ) as [string, string, string];
      const [beta1, beta2] = [g.scalar(ADAM.beta1), g.scalar(ADAM.beta2)];
      return withTwoSlots('ResourceApplyAdam', ['m', 'v'], (grad) => [
        beta1Power,
        beta2Power,
        lr,
        beta1,
        beta2,
        epsilon,
        grad,
      ]);
    }
    case 'rmsprop': {
      const [rho, momentum, epsilon] = [RMSPROP.rho, RMSPROP.momentum, RMSPROP.epsilon].map((v) =>
        g.scalar(v),
      ) as [string, string, string];
      return withTwoSlots('ResourceApplyRMSProp', ['rms', 'momentum'], (grad) => [
        lr,
        rho,
        momentum,
        epsilon,
        grad,
      ]);
    }
  }
}

/** Gradients scaled by min(1, clipNorm / their global L2 norm), all by the same factor. */
function clipByGlobalNorm(g: GraphBuilder, grads: string[], clipNorm: number): string[] {
  const all = g.constant([0], [1], 'int32');
  const sums = grads.map((grad) =>
    g.float(
      'Sum',
      [
        g.float('Reshape', [g.float('Square', [grad]), g.constant([-1], [1], 'int32')], {
          Tshape: attr.type('int32'),
        }),
        all,
      ],
      {
        Tidx: attr.type('int32'),
        keep_dims: attr.bool(false),
      },
    ),
  );
  const norm = g.float('Sqrt', [g.out('AddN', [sums], { T: FLOAT, N: attr.int(sums.length) })]);
  const limit = g.scalar(clipNorm);
  const factor = g.float('RealDiv', [limit, g.float('Maximum', [norm, limit])]);
  return grads.map((grad) => g.float('Mul', [grad, factor]));
}

/**
 * Decoupled weight decay: w −= (lr·decay)·w, fed as one scalar per step, before the
 * optimizer's update (which runs after the op returned here) and after the gradient that
 * read w.
 */
function decayWeights(
  g: GraphBuilder,
  trainable: GraphVariable[],
  grads: string[],
  scalars: Record<string, string>,
): string[] {
  scalars.decay = g.placeholder('optimizer/decay', []);
  const rate = scalars.decay;
  return trainable.map((v, i) =>
    g.add(
      'AssignSubVariableOp',
      [v.handle, g.float('Mul', [v.read, rate])],
      { dtype: FLOAT },
      `${v.name}/decay`,
      [(grads[i] as string).split(':')[0] as string],
    ),
  );
}

import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { GraphAddon } from './graph-addon.js';
import { GraphBuilder } from './graph-builder.js';
import {
  activation,
  conv2d,
  dense,
  fusedBatchNorm,
  maxPool,
  reshape,
  zeroPad,
} from './graph-layers.js';
import { sessionConfig } from './session-config.js';

type Config = Record<string, unknown>;

/**
 * A model's forward pass in inference mode (moving batch-norm statistics, no dropout) as
 * one TensorFlow graph with its weights as constants: one call per batch instead of one
 * per layer op, which is what batch-1 predictions on the native backend spend their time
 * on. Built from the layers of a loaded tfjs model; a layer tailor's models do not use
 * makes it refuse (the caller then predicts with tfjs).
 */
export class CompiledForward {
  private constructor(
    private readonly builder: GraphBuilder,
    private readonly input: string,
    private readonly output: string,
    /** Height, width, channels of one input. */
    readonly inputShape: number[],
  ) {}

  static build(addon: GraphAddon, model: LayersModel, threads = 0): CompiledForward {
    const g = new GraphBuilder(addon, addon.createGraph());
    try {
      const inputShape = (model.inputs[0]?.shape ?? []).slice(1) as number[];
      const input = g.placeholder('input', [-1, ...inputShape]);
      let x = input;
      let features = inputShape;
      for (const layer of model.layers) {
        const weights = layer.getWeights();
        x = addLayer(g, layer.getClassName(), layer.getConfig(), weights, x, features);
        features = (layer.outputShape as (number | null)[]).slice(1) as number[];
      }
      const forward = new CompiledForward(g, input, x, inputShape);
      addon.startSession(g.graph, sessionConfig(threads));
      return forward;
    } catch (err) {
      addon.dispose(g.graph);
      throw err;
    }
  }

  /** Outputs of `count` inputs laid out row after row (NHWC). */
  predict(inputs: Float32Array, count: number): Float32Array {
    const [result] = this.builder.addon.run(
      this.builder.graph,
      [{ name: this.input, dtype: 'float32', shape: [count, ...this.inputShape], data: inputs }],
      [this.output],
      [],
    );
    return result?.data as Float32Array;
  }

  dispose(): void {
    this.builder.addon.dispose(this.builder.graph);
  }
}

function constant(g: GraphBuilder, tensor: Tensor | undefined): string {
  if (!tensor) throw new Error('a layer is missing a weight');
  return g.constant(tensor.dataSync() as Float32Array, tensor.shape);
}

function addLayer(
  g: GraphBuilder,
  className: string,
  config: Config,
  weights: Tensor[],
  x: string,
  inputShape: number[],
): string {
  switch (className) {
    case 'InputLayer':
    case 'Dropout':
      return x;
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = config.padding as number[][] as [number[], number[]];
      return zeroPad(g, x, [top, bottom, left, right] as number[]);
    }
    case 'Conv2D': {
      const stride = (config.strides as number[])[0] as number;
      const square = (config.strides as number[]).every((s) => s === stride);
      if (config.padding !== 'valid' || !square || config.dataFormat !== 'channelsLast') {
        throw new Error('only channels-last, square-stride, valid Conv2D layers compile');
      }
      const [kernel, bias] = weights;
      const y = conv2d(g, x, constant(g, kernel), constant(g, bias), stride);
      return activation(g, y, config.activation as string);
    }
    case 'BatchNormalization': {
      if (config.center === false || config.scale === false || weights.length !== 4) {
        throw new Error('only batch normalisation with scale and offset compiles');
      }
      const [gamma, beta, mean, variance] = weights.map((w) => constant(g, w));
      const rank = inputShape.length + 1;
      const fourD = rank === 4 ? x : reshape(g, x, [-1, 1, 1, inputShape.at(-1) as number]);
      const bn = fusedBatchNorm(
        g,
        [fourD, gamma as string, beta as string, mean as string, variance as string],
        config.epsilon as number,
        false,
      );
      return rank === 4 ? `${bn}:0` : reshape(g, `${bn}:0`, [-1, inputShape.at(-1) as number]);
    }
    case 'Activation':
      return activation(g, x, config.activation as string);
    case 'MaxPooling2D': {
      const [size] = config.poolSize as number[];
      const [stride] = config.strides as number[];
      if (config.padding !== 'valid') throw new Error('only valid max pooling compiles');
      return maxPool(g, x, size as number, stride as number);
    }
    case 'Flatten':
      return reshape(g, x, [-1, inputShape.reduce((a, b) => a * b, 1)]);
    case 'Dense': {
      const [kernel, bias] = weights;
      const y = dense(g, x, constant(g, kernel), constant(g, bias));
      return activation(g, y, config.activation as string);
    }
    default:
      throw new Error(`layer ${className} does not compile`);
  }
}

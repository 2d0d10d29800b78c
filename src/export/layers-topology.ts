import { ExportError } from './errors.js';

/**
 * The stored model.json's topology as tfjs-layers writes it (Keras 2 style JSON). Only the
 * layer classes our model builder uses are exported; each has a stock class of the same name
 * in tfjs-layers and in Keras 3, so no custom code is needed to load the result.
 */
export const STOCK_LAYERS = [
  'InputLayer',
  'ZeroPadding2D',
  'Conv2D',
  'BatchNormalization',
  'Activation',
  'MaxPooling2D',
  'Flatten',
  'Dropout',
  'Dense',
] as const;

export type StockLayer = (typeof STOCK_LAYERS)[number];

export interface TopologyLayer {
  name: string;
  className: StockLayer;
  config: Record<string, unknown>;
  /** Names of the layers feeding this one (one each for our sequential graphs). */
  inputs: string[];
}

export interface Topology {
  name: string;
  layers: TopologyLayer[];
  inputLayer: string;
  outputLayer: string;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

/** The parts of a stored model.json that exports read. */
export interface StoredModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  [key: string]: unknown;
}

export function parseModelJson(bytes: Uint8Array): StoredModelJson {
  const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredModelJson;
  if (!isRecord(value.modelTopology) || !Array.isArray(value.weightsManifest)) {
    throw new Error('the stored model.json is not a tfjs layers model');
  }
  return value;
}

/**
 * The layer graph of a stored topology, refusing any layer class outside STOCK_LAYERS and any
 * graph with more than one input or output.
 */
export function readTopology(modelTopology: Record<string, unknown>): Topology {
  const config = modelTopology.config;
  if (!isRecord(config) || !Array.isArray(config.layers)) {
    throw unsupported('its topology has no layer list');
  }
  const layers = config.layers.map((raw): TopologyLayer => {
    if (!isRecord(raw) || typeof raw.class_name !== 'string' || typeof raw.name !== 'string') {
      throw unsupported('its topology has a malformed layer');
    }
    if (!(STOCK_LAYERS as readonly string[]).includes(raw.class_name)) {
      throw unsupported(
        `layer '${raw.name}' is a ${raw.class_name}, which has no stock equivalent (exportable: ${STOCK_LAYERS.join(', ')})`,
      );
    }
    return {
      name: raw.name,
      className: raw.class_name as StockLayer,
      config: isRecord(raw.config) ? raw.config : {},
      inputs: inboundNames(raw.inbound_nodes, raw.name),
    };
  });
  return {
    name: typeof config.name === 'string' ? config.name : 'model',
    layers,
    inputLayer: singleEndpoint(config.input_layers, 'input'),
    outputLayer: singleEndpoint(config.output_layers, 'output'),
  };
}

/** tfjs writes `[[[name, nodeIndex, tensorIndex, kwargs], ...]]`: one entry per call. */
function inboundNames(nodes: unknown, layer: string): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const [first] = nodes;
  if (nodes.length !== 1 || !Array.isArray(first)) {
    throw unsupported(`layer '${layer}' is called more than once`);
  }
  return first.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[1] !== 0 || entry[2] !== 0) {
      throw unsupported(`layer '${layer}' has an input this export cannot follow`);
    }
    return entry[0];
  });
}

function singleEndpoint(value: unknown, what: string): string {
  const list = Array.isArray(value) ? value : [];
  const [first] = list;
  if (list.length !== 1 || !Array.isArray(first) || typeof first[0] !== 'string') {
    throw unsupported(`it does not have exactly one ${what}`);
  }
  return first[0];
}

function unsupported(reason: string): ExportError {
  return new ExportError('EXPORT_UNSUPPORTED', `the model cannot be exported: ${reason}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../ml/backend.js';
import { CompiledForward } from '../ml/compiled/forward-graph.js';
import { loadGraphAddon } from '../ml/compiled/graph-addon.js';
import type { ModelArtifacts } from '../ml/model-state.js';
import type {
  InferenceReady,
  InferenceReply,
  InferenceRequest,
  InferenceWorkerData,
  InferenceWorkerStats,
  PredictOutput,
} from './inference-protocol.js';
import { explainBatch } from './saliency-gradient.js';

// One inference worker: its own tfjs engine (and wasm instance), so a forward pass never
// blocks the API's event loop and two workers use two cores.

const data = workerData as InferenceWorkerData;
const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

const report = await selectBackend(data.backend);
const models = new Map<string, LayersModel>();
/** On native TensorFlow: each model's forward pass as one graph, where it compiles. */
const compiled = new Map<string, CompiledForward>();
const addon = report.tfjsName === 'tensorflow' ? loadGraphAddon() : undefined;
let batches = 0;

function compile(key: string, model: LayersModel): void {
  if (!addon || addon instanceof Error) return;
  try {
    compiled.set(key, CompiledForward.build(addon, model, data.tensorflowThreads));
  } catch {
    // A layer the graph does not cover: this model predicts through tfjs.
  }
}

function build(artifacts: ModelArtifacts): Promise<LayersModel> {
  return loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifacts.topology,
      weightSpecs: artifacts.weightSpecs,
      weightData: artifacts.weightData,
    }),
  );
}

async function predict(request: Extract<InferenceRequest, { type: 'predict' }>) {
  for (const key of request.evict) {
    models.get(key)?.dispose();
    models.delete(key);
    compiled.get(key)?.dispose();
    compiled.delete(key);
  }
  // Two dispatches may both carry a model the worker did not have; the first one loads it.
  if (request.load && !models.has(request.model)) {
    const built = await build(request.load);
    models.set(request.model, built);
    compile(request.model, built);
  }
  const model = models.get(request.model);
  if (!model) throw new Error(`model '${request.model}' is not loaded in this worker`);
  const shape = (model.inputs[0]?.shape ?? []).slice(1) as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  if (request.inputs.length !== request.count * size) {
    throw new Error(`expected ${request.count} inputs of ${size} values (${shape.join('x')})`);
  }
  batches++;
  const graph = compiled.get(request.model);
  const probabilities = graph
    ? predictCompiled(graph, request.inputs, request.count, size)
    : predictTfjs(model, request.inputs, request.count, shape);
  const numClasses = probabilities.length / request.count;
  const saliency = request.explain
    ? explainBatch(model, request.inputs, shape, probabilities, numClasses)
    : undefined;
  return { probabilities, numClasses, saliency } satisfies PredictOutput;
}

/** In chunks of at most `data.batchSize` rows, as tfjs' predict bounds its memory. */
function predictCompiled(
  graph: CompiledForward,
  inputs: Float32Array,
  count: number,
  size: number,
) {
  const parts: Float32Array[] = [];
  for (let start = 0; start < count; start += data.batchSize) {
    const rows = Math.min(data.batchSize, count - start);
    parts.push(graph.predict(inputs.subarray(start * size, (start + rows) * size), rows));
  }
  if (parts.length === 1) return parts[0] as Float32Array;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function predictTfjs(model: LayersModel, inputs: Float32Array, count: number, shape: number[]) {
  return tf.tidy(() => {
    const x = tf.tensor(inputs, [count, ...shape]);
    const y = model.predict(x, { batchSize: data.batchSize }) as tf.Tensor;
    // A copy: the backend may hand out a view of its own memory, which must not be transferred.
    return new Float32Array(y.dataSync());
  });
}

function stats(): InferenceWorkerStats {
  return {
    backend: report.name,
    numTensors: tf.memory().numTensors,
    models: [...models.keys()],
    compiled: [...compiled.keys()],
    batches,
  };
}

async function handle(request: InferenceRequest): Promise<InferenceReply> {
  try {
    if (request.type === 'stats') return { id: request.id, ok: true, value: stats() };
    return { id: request.id, ok: true, value: await predict(request) };
  } catch (err) {
    return { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

// One message at a time: a load that awaits must not let a later eviction or prediction
// overtake it.
let queue = Promise.resolve();
port.on('message', (request: InferenceRequest) => {
  queue = queue.then(async () => {
    const reply = await handle(request);
    const transfer =
      reply.ok && request.type === 'predict'
        ? [(reply.value as PredictOutput).probabilities.buffer as ArrayBuffer]
        : [];
    port.postMessage(reply, transfer);
  });
});
port.postMessage({ ready: true, backend: report.name } satisfies InferenceReady);

import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../ml/backend.js';
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
let batches = 0;

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
  }
  // Two dispatches may both carry a model the worker did not have; the first one loads it.
  if (request.load && !models.has(request.model)) {
    models.set(request.model, await build(request.load));
  }
  const model = models.get(request.model);
  if (!model) throw new Error(`model '${request.model}' is not loaded in this worker`);
  const shape = (model.inputs[0]?.shape ?? []).slice(1) as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  if (request.inputs.length !== request.count * size) {
    throw new Error(`expected ${request.count} inputs of ${size} values (${shape.join('x')})`);
  }
  batches++;
  let numClasses = 0;
  const probabilities = tf.tidy(() => {
    const x = tf.tensor(request.inputs, [request.count, ...shape]);
    const y = model.predict(x, { batchSize: data.batchSize }) as tf.Tensor;
    numClasses = y.shape[1] ?? 0;
    // A copy: the backend may hand out a view of its own memory, which must not be transferred.
    return new Float32Array(y.dataSync());
  });
  const saliency = request.explain
    ? explainBatch(model, request.inputs, shape, probabilities, numClasses)
    : undefined;
  return { probabilities, numClasses, saliency } satisfies PredictOutput;
}

function stats(): InferenceWorkerStats {
  return {
    backend: report.name,
    numTensors: tf.memory().numTensors,
    models: [...models.keys()],
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

import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend.js';
import { exportModel, exportOptimizer } from '../model-state.js';
import { Replica } from '../replica.js';
import type { ReadyMessage, ReplicaWorkerData, Reply, Request } from './protocol.js';

// One data-parallel replica: its own tfjs engine and wasm instance, so two replicas use two
// cores. It computes gradients on its share of each batch, then applies the average of
// every replica's gradients, so all replicas keep identical weights.

const data = workerData as ReplicaWorkerData;
const port = parentPort;
if (!port) throw new Error('replica-worker must run in a worker thread');

const report = await selectBackend(data.backend);
const replica = new Replica(data.replica);
const slots = new Float32Array(data.gradients);

function slot(index: number): Float32Array {
  return slots.subarray(index * data.parameters, (index + 1) * data.parameters);
}

function set(name: 'train' | 'val' | 'test') {
  const chosen = data.sets[name];
  if (!chosen) throw new Error(`no ${name} set was given`);
  return chosen;
}

/** The batch-norm moving statistics (every non-trainable weight), one array each. */
function stats(): Float32Array[] {
  return replica.model.nonTrainableWeights.map((w) => w.read().dataSync() as Float32Array);
}

/** A hash of every weight: equal across replicas while they stay in step. */
function digest(): string {
  const hash = createHash('sha256');
  for (const w of replica.model.weights) hash.update(w.read().dataSync() as Float32Array);
  return hash.digest('hex');
}

async function handle(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'gradients': {
      const { grads, ...result } = replica.gradients(
        set('train'),
        request.rows,
        request.augmentSeed,
      );
      replica.flattenGradients(grads, slot(data.index));
      tf.dispose(Object.values(grads));
      return result;
    }
    case 'apply': {
      const total = request.counts.reduce((a, b) => a + b, 0);
      const mean = new Float32Array(data.parameters);
      // Every replica sums in the same order, so all get bit-identical weights.
      request.counts.forEach((count, r) => {
        const g = slot(r);
        const w = count / total;
        for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (g[i] as number) * w;
      });
      replica.applyFlatGradients(mean, request.learningRate);
      return null;
    }
    case 'evaluate':
      return replica.evaluate(set(request.set), request.rows);
    case 'getStats':
      return stats();
    case 'digest':
      return digest();
    case 'setStats':
      replica.model.nonTrainableWeights.forEach((w, i) => {
        const value = tf.tensor(request.values[i] as Float32Array, w.read().shape);
        w.write(value);
        value.dispose();
      });
      return null;
    case 'exportModel':
      return exportModel(replica.model);
    case 'exportOptimizer':
      return exportOptimizer(replica.optimizer);
    case 'importState':
      await replica.importState(request.model, request.optimizer);
      return null;
  }
}

port.on('message', async (request: Request) => {
  let reply: Reply;
  try {
    reply = { id: request.id, ok: true, value: await handle(request) };
  } catch (err) {
    reply = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true, backend: report.name } satisfies ReadyMessage);

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { FusedAdam } from './fused-adam.js';

/** A model's topology and weights in the tfjs `model.json` + `weights.bin` format. */
export interface ModelArtifacts {
  topology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Optimizer slots (Adam's moments, its step count, ...), encoded like weights. */
export interface OptimizerState {
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

export async function exportModel(model: LayersModel): Promise<ModelArtifacts> {
  let captured: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = {
        topology: artifacts.modelTopology as object,
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData: tf.io.concatenateArrayBuffers(
          ([] as ArrayBuffer[]).concat(artifacts.weightData ?? []),
        ),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

/** Sets every weight (trainable or not) of `model` from saved artifacts of the same spec. */
export function importWeights(model: LayersModel, artifacts: ModelArtifacts): void {
  const named = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  model.loadWeights(named, true);
  tf.dispose(Object.values(named));
}

export async function exportOptimizer(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(weights);
  // FusedAdam hands out fresh tensors; stock optimizers hand out their own variables.
  if (optimizer instanceof FusedAdam) tf.dispose(weights.map((w) => w.tensor));
  return { weightSpecs: specs, weightData: data };
}

export async function importOptimizer(
  optimizer: tf.Optimizer,
  state: OptimizerState,
): Promise<void> {
  const named = tf.io.decodeWeights(state.weightData, state.weightSpecs);
  // setWeights matches slots by position, so keep the saved order.
  const slots = state.weightSpecs.map((spec) => ({
    name: spec.name,
    tensor: shapedLikeItsVariable(spec.name, named[spec.name] as tf.Tensor),
  }));
  await optimizer.setWeights(slots);
  tf.dispose([...Object.values(named), ...slots.map((s) => s.tensor)]);
}

/**
 * A slot (`<variable>/m`, `<variable>/v`, ...) in its variable's shape. Checkpoints written
 * on wasm before slots kept their shape hold them flat, which tfjs' own optimizers (used
 * on the native backends) cannot add to their variables' gradients.
 */
function shapedLikeItsVariable(name: string, slot: tf.Tensor): tf.Tensor {
  const variable = tf.engine().registeredVariables[name.replace(/\/[^/]+$/, '')];
  if (!variable || variable.size !== slot.size || variable.rank === slot.rank) return slot.clone();
  return tf.reshape(slot, variable.shape);
}

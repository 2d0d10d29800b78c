import type { PredictionResult, Predictor } from '../inference/predictor.js';
import type { ModelRegistry, ModelVersion } from '../store/model-registry.js';
import type { AppDeps } from './deps.js';
import { ApiError } from './errors.js';

/** What a protocol path may pin besides the model name. */
export interface Pin {
  /** A registry version, as the path spells it. */
  version?: string | undefined;
  /** An alias that must point at the model the name resolves to. */
  label?: string | undefined;
}

/**
 * The model a standard protocol's path names. The name is a model id or an alias, as on
 * tailor's own routes. A pinned version or label that is not the one the name resolves to
 * answers 404: the protocols' paths address a version, and that version is not served here.
 */
export async function servedModel(
  deps: AppDeps,
  name: string,
  pin: Pin = {},
): Promise<ModelVersion> {
  const record = await registryOf(deps).resolve(name);
  if (pin.version !== undefined && pin.version !== String(record.version)) {
    throw new ApiError(
      'NOT_FOUND',
      `model '${name}' has no version ${pin.version}; it serves version ${record.version}`,
    );
  }
  if (pin.label !== undefined) {
    const labelled = await registryOf(deps).resolve(pin.label);
    if (labelled.id !== record.id) {
      throw new ApiError(
        'NOT_FOUND',
        `label '${pin.label}' of model '${name}' not found: it points at version ${labelled.version}, model '${name}' serves version ${record.version}`,
      );
    }
  }
  return record;
}

/**
 * Classifies with the model a protocol path names. Without a pin the predictor resolves the
 * name itself, as tailor's predict does (its last answers stand in while Redis is down);
 * a pinned version or label is checked against the registry first.
 */
export async function predictWith(
  deps: AppDeps,
  name: string,
  pin: Pin,
  inputs: Float32Array[],
): Promise<PredictionResult> {
  const predictor = predictorOf(deps);
  const pinned = pin.version !== undefined || pin.label !== undefined;
  const target = pinned ? (await servedModel(deps, name, pin)).id : name;
  return predictor.predict(target, inputs);
}

export function registryOf(deps: AppDeps): ModelRegistry {
  const registry = deps.models?.registry;
  if (!registry) throw new ApiError('SERVICE_UNAVAILABLE', 'the model registry is not available');
  return registry;
}

export function predictorOf(deps: AppDeps): Predictor {
  const predictor = deps.predictor;
  if (!predictor) {
    throw new ApiError('SERVICE_UNAVAILABLE', 'prediction is not available on this instance');
  }
  return predictor;
}

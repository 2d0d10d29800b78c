import { InputError } from './errors.js';
import { INPUT_TENSOR } from './tensor-input.js';

/** The one signature a tailor model serves, named as TF Serving names a default signature. */
export const SERVING_SIGNATURE = 'serving_default';

export interface TfServingInstances {
  /** One entry per image, each as tailor's `instances` take it (numbers or `{"b64": ...}`). */
  instances: unknown[];
  /** The body used the columnar `inputs` form, so the answer is `{"outputs": ...}`. */
  columnar: boolean;
}

/**
 * The images of a TF Serving predict body, in the row form `{"instances": [...]}` or the
 * columnar form `{"inputs": ...}` (https://www.tensorflow.org/tfx/serving/api_rest). The model
 * has one input, so an instance may be given bare or named (`{"images": ...}`), and `inputs`
 * may be the batch itself or `{"images": [batch]}`. The images themselves are parsed as
 * tailor's own instances are (instances.ts).
 */
export function readTfServingBody(body: unknown): TfServingInstances {
  if (!isRecord(body)) {
    throw new InputError(
      'INSTANCE_INVALID',
      'request body is not a JSON object; send {"instances": [...]} or {"inputs": ...}',
    );
  }
  const signature = body.signature_name;
  if (signature !== undefined && signature !== SERVING_SIGNATURE) {
    throw new InputError(
      'OPTION_INVALID',
      `serving signature ${JSON.stringify(String(signature).slice(0, 40))} not found; this model serves only '${SERVING_SIGNATURE}'`,
      { path: 'signature_name' },
    );
  }
  const hasRows = body.instances !== undefined;
  const hasColumns = body.inputs !== undefined;
  if (hasRows === hasColumns) {
    throw new InputError(
      'INSTANCE_INVALID',
      hasRows
        ? "send either 'instances' (row format) or 'inputs' (columnar format), not both"
        : "missing 'instances' (row format) or 'inputs' (columnar format)",
    );
  }
  if (hasRows) {
    const instances = body.instances;
    if (!Array.isArray(instances)) {
      throw new InputError('INSTANCE_INVALID', 'is not a list; send a list of images', {
        path: 'instances',
      });
    }
    return {
      instances: instances.map((item, i) => numeric(unnamed(item), `instances[${i}]`)),
      columnar: false,
    };
  }
  const batch = unnamed(body.inputs);
  if (!Array.isArray(batch)) {
    throw new InputError(
      'INSTANCE_INVALID',
      `is not a list of images; send a list, or {"${INPUT_TENSOR.name}": [...]}`,
      { path: 'inputs' },
    );
  }
  return { instances: batch.map((item, i) => numeric(item, `inputs[${i}]`)), columnar: true };
}

/**
 * An image as numbers. TF Serving's `{"b64": ...}` carries bytes for a string input; this
 * signature's input is a float tensor, so it has no meaning here (tailor's own predict route
 * takes base64 PNG and JPEG images).
 */
function numeric(instance: unknown, path: string): unknown {
  if (Array.isArray(instance)) return instance;
  throw new InputError(
    'INSTANCE_INVALID',
    `is ${isRecord(instance) ? 'an object' : typeof instance}; the input '${INPUT_TENSOR.name}' is DT_FLOAT: send 784 numbers or 28 rows of 28 numbers (base64 images go to POST /v1/models/{id}/predict)`,
    { path },
  );
}

/** The value of a named input `{"images": value}`; anything else as it is. */
function unnamed(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === INPUT_TENSOR.name ? value[INPUT_TENSOR.name] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

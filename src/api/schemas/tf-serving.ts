import { Type } from 'typebox';
import { DEFAULT_MAX_INSTANCES } from '../../inference/instances.js';

const NAME = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
  description: 'Model id, or an alias such as `default`',
});
const VERSION = Type.String({
  pattern: '^[0-9]{1,15}$',
  description: "The model's registry version; another version answers 404",
});
const LABEL = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
  description: 'An alias; it must point at the model the name resolves to, else 404',
});

export const ModelParams = Type.Object({ name: NAME });
export const VersionParams = Type.Object({ name: NAME, version: VERSION });
export const LabelParams = Type.Object({ name: NAME, label: LABEL });

const IMAGE = `784 numbers (a flattened 28x28 image) or 28 rows of 28 numbers (or of [number]), values in [0, 1] or in [0, 255]; bare or named {"images": ...}`;

export const TfPredictRequest = Type.Object(
  {
    signature_name: Type.Optional(
      Type.String({ description: 'Only `serving_default`, the default' }),
    ),
    instances: Type.Optional(
      Type.Array(Type.Unknown({ description: IMAGE }), {
        description: `Row format: 1 to ${DEFAULT_MAX_INSTANCES} images`,
      }),
    ),
    inputs: Type.Optional(
      Type.Unknown({
        description: 'Columnar format: the list of images, or {"images": [list of images]}',
      }),
    ),
  },
  {
    title: 'TfServingPredictRequest',
    description: 'TF Serving predict request: `instances` or `inputs`',
    examples: [{ instances: [Array.from({ length: 784 }, () => 0)] }],
  },
);

const Rows = Type.Array(Type.Array(Type.Number()), {
  description: 'One list of class probabilities per image, in label order',
});

export const TfPredictResponse = Type.Object(
  {
    predictions: Type.Optional(Rows),
    outputs: Type.Optional(Rows),
  },
  {
    title: 'TfServingPredictResponse',
    description: '`predictions` for a row-format request, `outputs` for a columnar one',
  },
);

export const ModelStatus = Type.Object(
  {
    model_version_status: Type.Array(
      Type.Object({
        version: Type.String(),
        state: Type.String({ description: '`AVAILABLE`' }),
        status: Type.Object({ error_code: Type.String(), error_message: Type.String() }),
      }),
    ),
  },
  { title: 'TfServingModelStatus', description: "TF Serving's GetModelStatusResponse" },
);

const TensorInfo = Type.Object({
  dtype: Type.String(),
  tensor_shape: Type.Object({
    dim: Type.Array(Type.Object({ size: Type.String(), name: Type.String() })),
    unknown_rank: Type.Boolean(),
  }),
  name: Type.String(),
});

export const ModelMetadata = Type.Object(
  {
    model_spec: Type.Object({
      name: Type.String(),
      signature_name: Type.String(),
      version: Type.String(),
    }),
    metadata: Type.Object({
      signature_def: Type.Object({
        signature_def: Type.Record(
          Type.String(),
          Type.Object({
            inputs: Type.Record(Type.String(), TensorInfo),
            outputs: Type.Record(Type.String(), TensorInfo),
            method_name: Type.String(),
          }),
        ),
      }),
    }),
  },
  {
    title: 'TfServingModelMetadata',
    description: "TF Serving's GetModelMetadataResponse, signature_def only",
  },
);

import { Type } from 'typebox';
import { DEFAULT_MAX_INSTANCES } from '../../inference/instances.js';

const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';

export const ModelParams = Type.Object({
  name: Type.String({
    pattern: NAME_PATTERN,
    description: 'Model id, or an alias such as `default`',
  }),
});

export const VersionedModelParams = Type.Object({
  name: ModelParams.properties.name,
  version: Type.String({
    pattern: '^[0-9]{1,15}$',
    description: "The model's registry version; another version answers 404",
  }),
});

export const ServerLive = Type.Object(
  { live: Type.Boolean() },
  { title: 'OipServerLive', description: 'Server live' },
);
export const ServerReady = Type.Object(
  { ready: Type.Boolean() },
  { title: 'OipServerReady', description: 'Server ready' },
);

export const ServerMetadata = Type.Object(
  {
    name: Type.String(),
    version: Type.String(),
    extensions: Type.Array(Type.String()),
  },
  { title: 'OipServerMetadata', description: 'Server metadata' },
);

const MetadataTensor = Type.Object({
  name: Type.String(),
  datatype: Type.String(),
  shape: Type.Array(Type.Integer(), { description: '-1: any size' }),
});

export const ModelMetadata = Type.Object(
  {
    name: Type.String(),
    versions: Type.Array(Type.String()),
    platform: Type.String(),
    inputs: Type.Array(MetadataTensor),
    outputs: Type.Array(MetadataTensor),
  },
  { title: 'OipModelMetadata', description: 'Model metadata' },
);

export const ModelReady = Type.Object(
  { name: Type.String(), ready: Type.Boolean() },
  { title: 'OipModelReady', description: 'Model ready' },
);

const Parameters = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Accepted and ignored',
});

export const InferRequest = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 256, description: 'Echoed in the response' })),
    parameters: Type.Optional(Parameters),
    inputs: Type.Array(
      Type.Object({
        name: Type.String({ description: "The model's input: `images`" }),
        shape: Type.Array(Type.Integer(), {
          description: `[N, 28, 28, 1] or [N, 784], N from 1 to ${DEFAULT_MAX_INSTANCES}`,
        }),
        datatype: Type.String({ description: '`FP32`' }),
        parameters: Type.Optional(Parameters),
        data: Type.Array(Type.Unknown(), {
          description:
            'The values, flat in row-major order or nested as the shape; per image all in [0, 1], or in [0, 255] when any is above 1',
        }),
      }),
      { minItems: 1, description: 'One tensor, `images`' },
    ),
    outputs: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String({ description: '`probabilities` or `label`' }),
          parameters: Type.Optional(Parameters),
        }),
        { description: 'Outputs to return; default all' },
      ),
    ),
  },
  {
    title: 'OipInferenceRequest',
    description: 'Open Inference Protocol inference request',
    examples: [
      {
        id: 'request-1',
        inputs: [
          {
            name: 'images',
            shape: [1, 784],
            datatype: 'FP32',
            data: Array.from({ length: 784 }, () => 0),
          },
        ],
        outputs: [{ name: 'probabilities' }, { name: 'label' }],
      },
    ],
  },
);

export const InferResponse = Type.Object(
  {
    model_name: Type.String(),
    model_version: Type.String(),
    id: Type.Optional(Type.String()),
    outputs: Type.Array(
      Type.Object({
        name: Type.String(),
        shape: Type.Array(Type.Integer()),
        datatype: Type.String(),
        data: Type.Array(Type.Number(), { description: 'Flat, row-major' }),
      }),
    ),
  },
  { title: 'OipInferenceResponse', description: 'Open Inference Protocol inference response' },
);

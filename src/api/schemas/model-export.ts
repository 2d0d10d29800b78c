import { Type } from 'typebox';

export const EXPORT_FORMATS = ['tfjs', 'keras'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const ExportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Enum(EXPORT_FORMATS, {
        type: 'string',
        default: 'tfjs',
        description:
          "tfjs: redirects to the model's TF.js layers model.json (its weights.bin beside it); keras: a Keras 3 .keras archive",
      }),
    ),
  },
  { additionalProperties: false },
);

const binary = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: Type.String({ format: 'binary' }) } },
});

export const KerasArchiveResponse = binary(
  'application/zip',
  'A Keras 3 .keras archive (config.json, metadata.json, model.weights.h5); load it with keras.saving.load_model',
);

export const TfjsWeightsResponse = binary(
  'application/octet-stream',
  'The float32 weights the model.json lists, concatenated in its order',
);

export const TfjsModelJsonResponse = {
  description:
    'A TF.js layers model.json (format layers-model) that tf.loadLayersModel(url) loads with stock layers; userDefinedMetadata names the model, its classes and its input',
  content: {
    'application/json': { schema: Type.Object({}, { additionalProperties: true }) },
  },
};

export const ExportRedirect = Type.Null({
  description:
    "Found: Location is the model's /export/tfjs/model.json (an alias resolved to its id)",
});

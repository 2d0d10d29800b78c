import { Type } from 'typebox';
import {
  DEFAULT_MAX_JPEG_SCANS,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MAX_SIDE,
  DEFAULT_MAX_TOTAL_PIXELS,
} from '../../inference/image-format.js';
import { DEFAULT_MAX_INSTANCES } from '../../inference/instances.js';
import { MODEL_IMAGE_SIZE } from '../../inference/resize.js';
import { HEAT_MAP_SCALE, MAX_EXPLAINED_INSTANCES } from '../../inference/saliency.js';

/** Limits of a multipart upload; a JSON body has its own (instances, bodyLimit). */
export const UPLOAD_LIMITS = {
  fileSize: 5 * 1024 * 1024,
  files: 64,
  /** Only `invert` and `explain` are read; busboy tolerates a few more, then refuses the form. */
  fields: 4,
} as const;

/** A JSON body of 256 instances of 784 decimals is about 2 MB; base64 images take more. */
export const JSON_BODY_LIMIT = 16 * 1024 * 1024;

/** All files of one upload together, as much as a JSON body may carry. */
export const UPLOAD_TOTAL_SIZE = JSON_BODY_LIMIT;

const SIDE = Math.sqrt(DEFAULT_MAX_PIXELS);
/** The decoded-size limits, read from image headers before anything is decoded. */
const PIXEL_LIMITS = `at most ${SIDE}x${SIDE} pixels each (no side over ${DEFAULT_MAX_SIDE}) and ${DEFAULT_MAX_TOTAL_PIXELS / DEFAULT_MAX_PIXELS} times that together per request, JPEGs at most ${DEFAULT_MAX_JPEG_SCANS} scans`;

export const ModelIdParams = Type.Object({
  id: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
    description: 'Model id, or an alias such as `default`',
  }),
});

const Invert = Type.Union([Type.Literal('auto'), Type.Boolean()], {
  description:
    'Whether to invert pixel values (the model expects a light object on black). Default: numeric instances as sent, images `auto` (decided from border versus centre brightness).',
});

const EXPLAIN_DESCRIPTION = `Add a saliency map to each prediction (default false): which pixels the predicted class's probability depends on most. At most ${MAX_EXPLAINED_INSTANCES} images per request when true`;

const INSTANCE_DESCRIPTION = `One image: 784 numbers (a flattened 28x28 image), 28 rows of 28 numbers (or of \`[number]\`), values in [0, 1] or [0, 255]; or \`{"b64": "<base64 PNG or JPEG>"}\` (${PIXEL_LIMITS}; URLs are never fetched)`;

/** A light 12x16 block on black, as 28 rows of [0, 255] values: the examples' image. */
const EXAMPLE_ROWS = Array.from({ length: 28 }, (_, r) =>
  Array.from({ length: 28 }, (_, c) => (r >= 6 && r < 22 && c >= 8 && c < 20 ? 220 : 0)),
);
/** The same image as a greyscale PNG. */
const EXAMPLE_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAANUlEQVR4Ad3BsQ3AIADAsJBb+P8ijulQJLbsYHOVwbY4Jj8JEiRIkCBBggQJEiRIkCBBnvEBqKwBIK/ZEPMAAAAASUVORK5CYII=';

/**
 * The accepted forms of one instance, for the document and the clients generated from it.
 * Requests are not validated against it: the decoder checks instances itself and says
 * which one is wrong and how (`instances[3] has 783 numbers ...`), which a failed `anyOf`
 * cannot. The route's schema titles its item `PredictionInstance` so the document shows this.
 */
export const PredictionInstance = Type.Union(
  [
    Type.Array(Type.Number(), {
      minItems: MODEL_IMAGE_SIZE * MODEL_IMAGE_SIZE,
      maxItems: MODEL_IMAGE_SIZE * MODEL_IMAGE_SIZE,
      description: '784 numbers: a flattened 28x28 image, row-major',
    }),
    Type.Array(
      Type.Array(
        Type.Union([Type.Number(), Type.Array(Type.Number(), { minItems: 1, maxItems: 1 })]),
        { minItems: MODEL_IMAGE_SIZE, maxItems: MODEL_IMAGE_SIZE },
      ),
      {
        minItems: MODEL_IMAGE_SIZE,
        maxItems: MODEL_IMAGE_SIZE,
        description: '28 rows of 28 numbers (or of [number], the 28x28x1 layout)',
      },
    ),
    Type.Object(
      { b64: Type.String({ format: 'byte', description: 'Base64 PNG or JPEG' }) },
      { additionalProperties: false },
    ),
  ],
  { title: 'PredictionInstance', description: INSTANCE_DESCRIPTION },
);

/** Request bodies that answer 200, one per form of instance; a test sends each. */
export const PREDICT_EXAMPLES = [
  { instances: [EXAMPLE_ROWS.flat()] },
  { instances: [EXAMPLE_ROWS] },
  { instances: [{ b64: EXAMPLE_PNG }] },
];

export const PredictJsonBody = Type.Object(
  {
    instances: Type.Array(
      Type.Unknown({ title: 'PredictionInstance', description: INSTANCE_DESCRIPTION }),
      { minItems: 1, maxItems: DEFAULT_MAX_INSTANCES, description: 'Images to classify' },
    ),
    invert: Type.Optional(Invert),
    explain: Type.Optional(Type.Boolean({ description: EXPLAIN_DESCRIPTION })),
  },
  {
    title: 'PredictionRequest',
    additionalProperties: false,
    examples: PREDICT_EXAMPLES,
    description: 'TensorFlow Serving style request',
  },
);

/** Documentation only: the form is read part by part in the handler, never validated as a body. */
export const PredictForm = Type.Object(
  {
    file: Type.Array(Type.String({ format: 'binary' }), {
      minItems: 1,
      maxItems: UPLOAD_LIMITS.files,
      description: `PNG or JPEG images, at most ${UPLOAD_LIMITS.fileSize / 1024 / 1024} MB each and ${UPLOAD_TOTAL_SIZE / 1024 / 1024} MB together, ${PIXEL_LIMITS}; one part per image (files under any field name are read, in order)`,
    }),
    invert: Type.Optional(
      Type.Enum(['auto', 'true', 'false'], {
        type: 'string',
        description: 'As `invert` of the JSON body; default `auto`',
      }),
    ),
    explain: Type.Optional(
      Type.Enum(['true', 'false'], {
        type: 'string',
        description: 'As `explain` of the JSON body; default `false`',
      }),
    ),
  },
  { description: 'Image uploads' },
);

export const MULTIPART = 'multipart/form-data';

/** Both request bodies, so the OpenAPI document describes each media type. */
export const PredictBody = {
  content: {
    'application/json': { schema: PredictJsonBody },
    [MULTIPART]: { schema: PredictForm },
  },
};

const SIDE_PX = MODEL_IMAGE_SIZE;

const Saliency = Type.Object(
  {
    values: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), {
      description: `One value per input pixel (${SIDE_PX * SIDE_PX}: ${SIDE_PX}x${SIDE_PX}, row-major): the absolute gradient of the predicted class's probability with respect to that pixel, scaled so that the largest is 1 (all 0 if no pixel changes it), rounded to 4 decimals`,
    }),
    png: Type.String({
      format: 'byte',
      description: `Base64 PNG of \`values\` as a heat map, ${SIDE_PX * HEAT_MAP_SCALE}x${SIDE_PX * HEAT_MAP_SCALE} pixels (each value a ${HEAT_MAP_SCALE}x${HEAT_MAP_SCALE} block): black for 0 through red and yellow to white for 1`,
    }),
  },
  {
    additionalProperties: false,
    description: 'Present when the request set `explain`: where the prediction looked',
  },
);

export const PredictionResponse = Type.Object(
  {
    model: Type.Object(
      {
        id: Type.String(),
        version: Type.Integer({ description: 'Registry version of the model that answered' }),
      },
      { additionalProperties: false },
    ),
    predictions: Type.Array(
      Type.Object(
        {
          label: Type.Integer({ description: 'Index of the most probable class' }),
          className: Type.String(),
          probabilities: Type.Array(Type.Number(), {
            description: 'One probability per class, in label order',
          }),
          saliency: Type.Optional(Saliency),
        },
        { title: 'Prediction', additionalProperties: false },
      ),
      { description: 'One per instance or uploaded image, in order' },
    ),
  },
  {
    title: 'PredictionResult',
    additionalProperties: false,
    description: 'One prediction per image, in request order',
  },
);

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InputError } from '../../inference/errors.js';
import { parseInstances } from '../../inference/instances.js';
import { INPUT_TENSOR } from '../../inference/tensor-input.js';
import { readTfServingBody, SERVING_SIGNATURE } from '../../inference/tf-serving-request.js';
import type { ModelVersion } from '../../store/model-registry.js';
import { useProtocolErrors } from '../protocol-errors.js';
import { JSON_BODY_LIMIT } from '../schemas/predict.js';
import { protocolErrors } from '../schemas/protocol-error.js';
import {
  LabelParams,
  ModelMetadata,
  ModelParams,
  ModelStatus,
  TfPredictRequest,
  TfPredictResponse,
  VersionParams,
} from '../schemas/tf-serving.js';
import { type Pin, predictWith, servedModel } from '../served-model.js';

const TAGS = ['tf-serving'];
const OUTPUT_NAME = 'probabilities';

/**
 * TensorFlow Serving's REST API (https://www.tensorflow.org/tfx/serving/api_rest) over tailor's
 * models: predict in the row and columnar forms, model status and metadata. A model name is a
 * model id or an alias, its one version its registry version, and a label an alias that must
 * point at the same model. `GET /v1/models/{name}` stays tailor's own model resource; TF
 * Serving's status is served under `/versions/{v}` and `/labels/{label}` only.
 *
 * The `:predict` suffix is matched by a regular-expression parameter followed by `::`, the
 * router's escaped colon (https://github.com/delvedor/find-my-way#supported-path-formats).
 */
const tfServing: FastifyPluginAsyncTypebox = async (app) => {
  useProtocolErrors(app);

  const predict = async (name: string, pin: Pin, body: unknown) => {
    const { instances, columnar } = readTfServingBody(body);
    const inputs = columnarPaths(columnar, () => parseInstances({ instances }));
    const result = await predictWith(app.deps, name, pin, inputs);
    const rows = result.predictions.map((p) => p.probabilities);
    return columnar ? { outputs: rows } : { predictions: rows };
  };
  const predictSchema = <P extends typeof ModelParams | typeof VersionParams | typeof LabelParams>(
    params: P,
  ) => ({
    tags: TAGS,
    summary: 'Classify images (TF Serving predict)',
    params,
    body: TfPredictRequest,
    response: {
      200: TfPredictResponse,
      ...protocolErrors(400, 401, 403, 404, 413, 415, 429, 500, 503),
    },
  });
  app.post(
    '/v1/models/:name([^:/]+)::predict',
    { bodyLimit: JSON_BODY_LIMIT, schema: predictSchema(ModelParams) },
    async (request) => predict(request.params.name, {}, request.body),
  );
  app.post(
    '/v1/models/:name/versions/:version([^:/]+)::predict',
    { bodyLimit: JSON_BODY_LIMIT, schema: predictSchema(VersionParams) },
    async (request) =>
      predict(request.params.name, { version: request.params.version }, request.body),
  );
  app.post(
    '/v1/models/:name/labels/:label([^:/]+)::predict',
    { bodyLimit: JSON_BODY_LIMIT, schema: predictSchema(LabelParams) },
    async (request) => predict(request.params.name, { label: request.params.label }, request.body),
  );

  const statusSchema = <P extends typeof VersionParams | typeof LabelParams>(params: P) => ({
    tags: TAGS,
    summary: 'Model version status (TF Serving GetModelStatus)',
    params,
    response: { 200: ModelStatus, ...protocolErrors(400, 401, 403, 404, 500, 503) },
  });
  const status = async (name: string, pin: Pin) => {
    const record = await servedModel(app.deps, name, pin);
    return {
      model_version_status: [
        {
          version: String(record.version),
          state: 'AVAILABLE',
          status: { error_code: 'OK', error_message: '' },
        },
      ],
    };
  };
  app.get(
    '/v1/models/:name/versions/:version',
    { schema: statusSchema(VersionParams) },
    async (request) => status(request.params.name, { version: request.params.version }),
  );
  app.get(
    '/v1/models/:name/labels/:label',
    { schema: statusSchema(LabelParams) },
    async (request) => status(request.params.name, { label: request.params.label }),
  );

  const metadataSchema = <P extends typeof ModelParams | typeof VersionParams | typeof LabelParams>(
    params: P,
  ) => ({
    tags: TAGS,
    summary: 'Model metadata: the serving signature (TF Serving GetModelMetadata)',
    params,
    response: { 200: ModelMetadata, ...protocolErrors(400, 401, 403, 404, 500, 503) },
  });
  const metadata = async (name: string, pin: Pin) =>
    signatureOf(name, await servedModel(app.deps, name, pin));
  app.get('/v1/models/:name/metadata', { schema: metadataSchema(ModelParams) }, async (request) =>
    metadata(request.params.name, {}),
  );
  app.get(
    '/v1/models/:name/versions/:version/metadata',
    { schema: metadataSchema(VersionParams) },
    async (request) => metadata(request.params.name, { version: request.params.version }),
  );
  app.get(
    '/v1/models/:name/labels/:label/metadata',
    { schema: metadataSchema(LabelParams) },
    async (request) => metadata(request.params.name, { label: request.params.label }),
  );
};

/** Errors of a columnar body located under `inputs`, as the client sent them. */
function columnarPaths<T>(columnar: boolean, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (columnar && err instanceof InputError && err.path?.startsWith('instances')) {
      throw err.at(err.path.replace(/^instances/, 'inputs'));
    }
    throw err;
  }
}

function tensorInfo(name: string, shape: readonly number[]) {
  return {
    dtype: 'DT_FLOAT',
    tensor_shape: {
      dim: shape.map((size) => ({ size: String(size), name: '' })),
      unknown_rank: false,
    },
    name: `${name}:0`,
  };
}

function signatureOf(name: string, record: ModelVersion) {
  return {
    model_spec: { name, signature_name: '', version: String(record.version) },
    metadata: {
      signature_def: {
        signature_def: {
          [SERVING_SIGNATURE]: {
            inputs: { [INPUT_TENSOR.name]: tensorInfo(INPUT_TENSOR.name, INPUT_TENSOR.shape) },
            outputs: {
              [OUTPUT_NAME]: tensorInfo(OUTPUT_NAME, [-1, record.classNames.length]),
            },
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}

export default tfServing;

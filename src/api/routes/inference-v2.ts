import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { INPUT_TENSOR, parseInputTensor } from '../../inference/tensor-input.js';
import type { ModelVersion } from '../../store/model-registry.js';
import { ApiError } from '../errors.js';
import { useProtocolErrors } from '../protocol-errors.js';
import {
  InferRequest,
  InferResponse,
  ModelMetadata,
  ModelParams,
  ModelReady,
  ServerLive,
  ServerMetadata,
  ServerReady,
  VersionedModelParams,
} from '../schemas/inference-v2.js';
import { JSON_BODY_LIMIT } from '../schemas/predict.js';
import { ProtocolError, protocolErrors } from '../schemas/protocol-error.js';
import { type Pin, predictWith, servedModel } from '../served-model.js';

const TAGS = ['open-inference-protocol'];
const PLATFORM = 'tensorflowjs';

/** The outputs a model gives, by name, in the order they are returned by default. */
const OUTPUTS = ['probabilities', 'label'] as const;
type OutputName = (typeof OUTPUTS)[number];

function outputTensors(record: ModelVersion) {
  return [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, record.classNames.length] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ];
}

/**
 * The Open Inference Protocol's REST API (KServe V2, as Triton, KServe, Seldon MLServer and
 * TorchServe speak it; https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol).
 * A model name is a model id or an alias; its one version is its registry version. Errors are
 * the protocol's `{"error": "..."}`.
 */
const inferenceV2: FastifyPluginAsyncTypebox = async (app) => {
  useProtocolErrors(app);

  app.get(
    '/v2/health/live',
    {
      schema: {
        tags: TAGS,
        summary: 'Server live: the process answers',
        response: { 200: ServerLive, ...protocolErrors(500) },
      },
    },
    async () => ({ live: true }),
  );

  app.get(
    '/v2/health/ready',
    {
      schema: {
        tags: TAGS,
        summary: 'Server ready: every dependency is usable and prediction is available',
        response: { 200: ServerReady, 503: ServerReady, ...protocolErrors(500) },
      },
    },
    async (_request, reply) => {
      const ready = app.deps.predictor !== undefined && (await dependenciesReady());
      return reply.code(ready ? 200 : 503).send({ ready });
    },
  );

  async function dependenciesReady(): Promise<boolean> {
    try {
      return Object.values(await app.deps.readiness()).every((check) => check.ok);
    } catch {
      return false;
    }
  }

  app.get(
    '/v2',
    {
      schema: {
        tags: TAGS,
        summary: 'Server metadata',
        response: { 200: ServerMetadata, ...protocolErrors(401, 403, 500) },
      },
    },
    async () => ({ name: 'tailor', version: app.deps.version, extensions: [] }),
  );

  const metadata = async (name: string, pin: Pin) => {
    const record = await servedModel(app.deps, name, pin);
    return {
      name,
      versions: [String(record.version)],
      platform: PLATFORM,
      inputs: [{ ...INPUT_TENSOR, shape: [...INPUT_TENSOR.shape] }],
      outputs: outputTensors(record),
    };
  };
  const metadataSchema = <P extends typeof ModelParams | typeof VersionedModelParams>(
    params: P,
  ) => ({
    tags: TAGS,
    summary: 'Model metadata: its versions, input and outputs',
    params,
    response: { 200: ModelMetadata, ...protocolErrors(400, 401, 403, 404, 500, 503) },
  });
  app.get('/v2/models/:name', { schema: metadataSchema(ModelParams) }, async (request) =>
    metadata(request.params.name, {}),
  );
  app.get(
    '/v2/models/:name/versions/:version',
    { schema: metadataSchema(VersionedModelParams) },
    async (request) => metadata(request.params.name, { version: request.params.version }),
  );

  const readySchema = <P extends typeof ModelParams | typeof VersionedModelParams>(params: P) => ({
    tags: TAGS,
    summary: 'Model ready: the model exists and this instance can run it',
    params,
    response: {
      200: ModelReady,
      ...protocolErrors(400, 401, 403, 404, 500),
      503: Type.Union([ModelReady, ProtocolError], {
        description: 'The model cannot run on this instance, or a dependency is unavailable',
      }),
    },
  });
  app.get(
    '/v2/models/:name/ready',
    { schema: readySchema(ModelParams) },
    async (request, reply) => {
      await servedModel(app.deps, request.params.name);
      const ready = app.deps.predictor !== undefined;
      return reply.code(ready ? 200 : 503).send({ name: request.params.name, ready });
    },
  );
  app.get(
    '/v2/models/:name/versions/:version/ready',
    { schema: readySchema(VersionedModelParams) },
    async (request, reply) => {
      const { name, version } = request.params;
      await servedModel(app.deps, name, { version });
      const ready = app.deps.predictor !== undefined;
      return reply.code(ready ? 200 : 503).send({ name, ready });
    },
  );

  const infer = async (name: string, pin: Pin, body: InferBody) => {
    const wanted = requestedOutputs(body);
    if (body.inputs.length !== 1) {
      throw new ApiError(
        'BAD_REQUEST',
        `expected 1 input tensor, '${INPUT_TENSOR.name}', got ${body.inputs.length}`,
      );
    }
    const inputs = parseInputTensor(body.inputs[0] as InferBody['inputs'][number], 'inputs[0]');
    const result = await predictWith(app.deps, name, pin, inputs);
    const n = result.predictions.length;
    const classes = result.predictions[0]?.probabilities.length ?? 0;
    const tensors: Record<OutputName, () => InferOutput> = {
      probabilities: () => ({
        name: 'probabilities',
        shape: [n, classes],
        datatype: 'FP32',
        data: result.predictions.flatMap((p) => p.probabilities),
      }),
      label: () => ({
        name: 'label',
        shape: [n],
        datatype: 'INT64',
        data: result.predictions.map((p) => p.label),
      }),
    };
    return {
      model_name: name,
      model_version: String(result.model.version),
      ...(body.id !== undefined && { id: body.id }),
      outputs: wanted.map((output) => tensors[output]()),
    };
  };
  const inferSchema = <P extends typeof ModelParams | typeof VersionedModelParams>(params: P) => ({
    tags: TAGS,
    summary: 'Classify a batch of 28x28 images given as an FP32 tensor',
    params,
    body: InferRequest,
    response: {
      200: InferResponse,
      ...protocolErrors(400, 401, 403, 404, 413, 415, 429, 500, 503),
    },
  });
  app.post(
    '/v2/models/:name/infer',
    { bodyLimit: JSON_BODY_LIMIT, schema: inferSchema(ModelParams) },
    async (request) => infer(request.params.name, {}, request.body),
  );
  app.post(
    '/v2/models/:name/versions/:version/infer',
    { bodyLimit: JSON_BODY_LIMIT, schema: inferSchema(VersionedModelParams) },
    async (request) =>
      infer(request.params.name, { version: request.params.version }, request.body),
  );
};

interface InferBody {
  id?: string | undefined;
  inputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[];
  outputs?: { name: string }[] | undefined;
}

interface InferOutput {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

/** The outputs asked for, each once, in the order asked; all of them when none is named. */
function requestedOutputs(body: InferBody): OutputName[] {
  if (body.outputs === undefined) return [...OUTPUTS];
  const names = body.outputs.map((output) => output.name);
  for (const name of names) {
    if (!(OUTPUTS as readonly string[]).includes(name)) {
      throw new ApiError(
        'BAD_REQUEST',
        `unexpected output ${JSON.stringify(name.slice(0, 40))}; this model gives ${OUTPUTS.map((o) => `'${o}'`).join(' and ')}`,
      );
    }
  }
  return [...new Set(names)] as OutputName[];
}

export default inferenceV2;

import multipart from '@fastify/multipart';
import {
  type FastifyPluginAsyncTypebox,
  TypeBoxValidatorCompiler,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { InputError } from '../../inference/errors.js';
import { parseInstances, parseInvertOption } from '../../inference/instances.js';
import { toModelInput } from '../../inference/model-input.js';
import type { InvertOption } from '../../inference/polarity.js';
import type { Predictor } from '../../inference/predictor.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import {
  JSON_BODY_LIMIT,
  ModelIdParams,
  MULTIPART,
  PredictBody,
  PredictionResponse,
  UPLOAD_LIMITS,
} from '../schemas/predict.js';

const DEFAULT_ALIAS = 'default';
const JSON_TYPE = 'application/json';

/**
 * Classification. One route takes both a TF-Serving JSON body and image uploads: the JSON
 * schema validates JSON, and the form is read part by part in the handler (a multipart body
 * is a stream, not an object fastify could validate).
 */
const predict: FastifyPluginAsyncTypebox = async (app) => {
  // Registered here, so only these routes accept forms.
  await app.register(multipart, { limits: UPLOAD_LIMITS });
  app.setValidatorCompiler((route) =>
    route.httpPart === 'body' && route.contentType === MULTIPART
      ? () => true
      : TypeBoxValidatorCompiler(route),
  );

  const predictor = (): Predictor => {
    const service = app.deps.predictor;
    if (!service) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'prediction is not available on this instance');
    }
    return service;
  };

  const classify = async (request: FastifyRequest, model: string) => {
    const service = predictor();
    // Fastify also parses text/plain, which is neither of the bodies this route takes.
    const type = request.mediaType;
    if (type !== undefined && type !== JSON_TYPE && type !== MULTIPART) {
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `content type '${type}' is not accepted; send ${JSON_TYPE} or ${MULTIPART}`,
      );
    }
    const inputs = type === MULTIPART ? await readUploads(request) : parseInstances(request.body);
    return service.predict(model, inputs);
  };

  const responses = { 200: PredictionResponse, ...errorResponses(400, 404, 413, 415, 500, 503) };

  app.post(
    '/v1/models/:id/predict',
    {
      bodyLimit: JSON_BODY_LIMIT,
      schema: {
        tags: ['predict'],
        summary: 'Classify images with a model (by id or alias)',
        params: ModelIdParams,
        body: PredictBody,
        response: responses,
      },
    },
    async (request) => classify(request, request.params.id),
  );

  app.post(
    '/v1/predict',
    {
      bodyLimit: JSON_BODY_LIMIT,
      schema: {
        tags: ['predict'],
        summary: `Classify images with the '${DEFAULT_ALIAS}' model (the newest unless the alias is set)`,
        body: PredictBody,
        response: responses,
      },
    },
    async (request) => classify(request, DEFAULT_ALIAS),
  );
};

/**
 * The uploaded images as model inputs, in upload order. The form is read whole before any
 * image is decoded, since `invert` may come after the files.
 */
async function readUploads(request: FastifyRequest): Promise<Float32Array[]> {
  const files: Buffer[] = [];
  let invert: InvertOption | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        files.push(await part.toBuffer());
      } else if (part.fieldname === 'invert') {
        invert = parseFormInvert(part.value);
      } else {
        throw new ApiError(
          'BAD_REQUEST',
          `unknown form field '${part.fieldname}'; send image files and optionally 'invert'`,
        );
      }
    }
  } catch (err) {
    throw uploadError(err);
  }
  if (files.length === 0) {
    throw new ApiError(
      'BAD_REQUEST',
      'the form holds no file; upload one or more PNG or JPEG images',
    );
  }
  return files.map((bytes, i) => {
    try {
      return toModelInput(bytes, { invert: invert ?? 'auto' });
    } catch (err) {
      throw err instanceof InputError ? err.at(`files[${i}]`) : err;
    }
  });
}

function parseFormInvert(value: unknown): InvertOption | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return parseInvertOption(value);
}

const MB = UPLOAD_LIMITS.fileSize / 1024 / 1024;

/** busboy's limit errors with messages that say which limit and what to do. */
function uploadError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', `an uploaded file is larger than ${MB} MB`);
    case 'FST_FILES_LIMIT':
      return new ApiError(
        'PAYLOAD_TOO_LARGE',
        `more than ${UPLOAD_LIMITS.files} files; send at most ${UPLOAD_LIMITS.files} per request`,
      );
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new ApiError('PAYLOAD_TOO_LARGE', "too many form fields; only 'invert' is read");
    default:
      return err;
  }
}

export default predict;

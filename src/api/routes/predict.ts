import multipart from '@fastify/multipart';
import {
  type FastifyPluginAsyncTypebox,
  TypeBoxValidatorCompiler,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DecoderBusyError, ImageDecoder } from '../../inference/image-decoder.js';
import { decodeInstances, parseInvertOption } from '../../inference/instances.js';
import type { InvertOption } from '../../inference/polarity.js';
import type { Predictor } from '../../inference/predictor.js';
import { PRODUCTION_ALIAS } from '../../store/model-registry.js';
import { carriesAnswer } from '../error-codes.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import {
  JSON_BODY_LIMIT,
  ModelIdParams,
  MULTIPART,
  PredictBody,
  PredictionResponse,
  UPLOAD_LIMITS,
  UPLOAD_TOTAL_SIZE,
} from '../schemas/predict.js';

/** What `/v1/predict` serves: the registry resolves it to the newest model while unset. */
const DEFAULT_ALIAS = PRODUCTION_ALIAS;
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

  // Images are decoded in worker threads, started at the first image; see image-decoder.ts.
  const decoder = new ImageDecoder(app.deps.imageDecoding);
  app.addHook('onClose', () => decoder.close());

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
    const { inputs, explain } = await whenDecoderFree(() =>
      type === MULTIPART
        ? readUploads(request, decoder)
        : decodeInstances(request.body, decoder).then((decoded) => ({
            inputs: decoded,
            explain: jsonExplain(request.body),
          })),
    );
    return service.predict(model, inputs, { explain });
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
        summary: `Classify images with the '${DEFAULT_ALIAS}' alias's model, else the newest`,
        description: `Follows the alias '${DEFAULT_ALIAS}' when it is set (PUT /v1/aliases/${DEFAULT_ALIAS}), else the newest model. Other aliases, 'default' among them, are reached through /v1/models/{idOrAlias}/predict.`,
        body: PredictBody,
        response: responses,
      },
    },
    async (request) => classify(request, DEFAULT_ALIAS),
  );
};

/** A full decoding queue answers 503 with `Retry-After`: the request is fine, try it later. */
async function whenDecoderFree<T>(decode: () => Promise<T>): Promise<T> {
  try {
    return await decode();
  } catch (err) {
    if (!(err instanceof DecoderBusyError)) throw err;
    const unavailable = new ApiError('SERVICE_UNAVAILABLE', err.message);
    unavailable.retryAfterSeconds = err.retryAfterSeconds;
    throw unavailable;
  }
}

/** The JSON body's `explain`; the schema has already checked that it is a boolean. */
function jsonExplain(body: unknown): boolean {
  return (body as { explain?: unknown } | null)?.explain === true;
}

/**
 * The uploaded images as model inputs, in upload order, and whether to explain them. The form
 * is read whole before any image is decoded, since `invert` may come after the files.
 */
async function readUploads(
  request: FastifyRequest,
  decoder: ImageDecoder,
): Promise<{ inputs: Float32Array[]; explain: boolean }> {
  const files: Buffer[] = [];
  let total = 0;
  let invert: InvertOption | undefined;
  let explain = false;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        total += bytes.length;
        // busboy bounds each file, the sum is checked here: a request holds at most this
        // much plus one file in memory.
        if (total > UPLOAD_TOTAL_SIZE) {
          throw new ApiError(
            'PAYLOAD_TOO_LARGE',
            `the uploaded files total more than ${TOTAL_MB} MB; send at most ${TOTAL_MB} MB per request`,
          );
        }
        files.push(bytes);
      } else if (part.fieldname === 'invert') {
        invert = parseFormInvert(part.value);
      } else if (part.fieldname === 'explain') {
        explain = parseFormExplain(part.value);
      } else {
        throw new ApiError(
          'BAD_REQUEST',
          `unknown form field '${part.fieldname}'; send image files and optionally 'invert' and 'explain'`,
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
  const inputs = await decoder.toModelInputs(
    files,
    { invert: invert ?? 'auto' },
    (i) => `files[${i}]`,
  );
  return { inputs, explain };
}

function parseFormExplain(value: unknown): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ApiError(
    'BAD_REQUEST',
    `form field 'explain' is ${JSON.stringify(String(value).slice(0, 20))}; send 'true' or 'false'`,
  );
}

function parseFormInvert(value: unknown): InvertOption | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return parseInvertOption(value);
}

const MB = UPLOAD_LIMITS.fileSize / 1024 / 1024;
const TOTAL_MB = UPLOAD_TOTAL_SIZE / 1024 / 1024;

/**
 * busboy's limit errors with messages that say which limit and what to do. Its parse errors
 * (no boundary, a body that ends inside a part) carry no status; they are the client's
 * malformed form, not a fault of ours.
 */
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
    case 'FST_INVALID_JSON_FIELD_ERROR':
      // @fastify/multipart answers 406, which is about the Accept header; this is a bad form.
      return new ApiError('BAD_REQUEST', 'a form field declared as application/json is not JSON');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new ApiError(
        'PAYLOAD_TOO_LARGE',
        "too many form fields; only 'invert' and 'explain' are read",
      );
    default:
      return carriesAnswer(err) ? err : malformedForm(err);
  }
}

function malformedForm(err: unknown): ApiError {
  const reason = err instanceof Error ? err.message.slice(0, 200) : 'unreadable';
  return new ApiError(
    'BAD_REQUEST',
    `the multipart form is malformed (${reason}); send ${MULTIPART} with a boundary and whole parts`,
  );
}

export default predict;

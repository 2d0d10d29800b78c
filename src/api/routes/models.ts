import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseSpec } from '../../ml/spec-parse.js';
import { summarizeSpec } from '../../ml/spec-summary.js';
import type { ModelVersion } from '../../store/model-registry.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import { ListModelsQuery, ModelDetail, ModelIdParams, ModelList } from '../schemas/models.js';

/** Registered model versions: list (newest first) and one with its Keras summary. */
const models: FastifyPluginAsyncTypebox = async (app) => {
  const registry = () => {
    const found = app.deps.models?.registry;
    if (!found) throw new ApiError('SERVICE_UNAVAILABLE', 'the model registry is not available');
    return found;
  };

  app.get(
    '/v1/models',
    {
      schema: {
        tags: ['models'],
        summary: 'Model versions, newest first',
        querystring: ListModelsQuery,
        response: { 200: ModelList, ...errorResponses(400, 500, 503) },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const page = await registry().list({ limit, cursor });
      return { ...page, items: page.items.map(withLinks) };
    },
  );

  app.get(
    '/v1/models/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'A model version (an id, or an alias such as default) with its summary',
        params: ModelIdParams,
        response: { 200: ModelDetail, ...errorResponses(400, 404, 500, 503) },
      },
    },
    async (request) => {
      const model = await registry().resolve(request.params.id);
      return { ...withLinks(model), summary: summarizeSpec(parseSpec(model.spec)) };
    },
  );
};

function withLinks(model: ModelVersion) {
  const self = `/v1/models/${encodeURIComponent(model.id)}`;
  const { artifact: _a, sha256: _s, ...visible } = model;
  return {
    ...visible,
    links: {
      self,
      predict: `${self}/predict`,
      job: `/v1/training-jobs/${encodeURIComponent(model.jobId)}`,
    },
  };
}

export default models;

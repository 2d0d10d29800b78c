import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { createModelExporter, type ModelExporter } from '../../export/model-exporter.js';
import type { ModelVersion } from '../../store/model-registry.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import {
  ExportQuery,
  ExportRedirect,
  KerasArchiveResponse,
  TfjsModelJsonResponse,
  TfjsWeightsResponse,
} from '../schemas/model-export.js';
import { ModelIdParams } from '../schemas/models.js';

/** A model id names one immutable model; an alias may move to another at any time. */
const IMMUTABLE = 'private, max-age=31536000, immutable';
const REVALIDATE = 'private, no-cache';

const tfjsPath = (id: string, file: string) =>
  `/v1/models/${encodeURIComponent(id)}/export/tfjs/${file}`;

/**
 * Model downloads in formats other tools load without tailor: TF.js layers (model.json and
 * weights.bin at URLs where `tf.loadLayersModel` finds one from the other) and Keras 3.
 */
const modelExport: FastifyPluginAsyncTypebox = async (app) => {
  let exporter: ModelExporter | undefined;
  const service = (): ModelExporter => {
    const models = app.deps.models;
    if (!models) throw new ApiError('SERVICE_UNAVAILABLE', 'the model registry is not available');
    exporter ??= createModelExporter(models);
    return exporter;
  };
  /** Resolves an id or alias and says how long the answer may be cached. */
  const resolve = async (idOrAlias: string, reply: FastifyReply): Promise<ModelVersion> => {
    const model = await service().resolve(idOrAlias);
    reply.header('cache-control', model.id === idOrAlias ? IMMUTABLE : REVALIDATE);
    reply.header('etag', `"${model.sha256}"`);
    return model;
  };

  app.get(
    '/v1/models/:id/export',
    {
      schema: {
        tags: ['models'],
        summary: 'Download a model (by id or alias) as TF.js layers or as a Keras 3 .keras file',
        description:
          "format=tfjs redirects to /v1/models/{id}/export/tfjs/model.json; give that URL to tf.loadLayersModel, which fetches weights.bin beside it. format=keras answers the .keras archive. Inputs are float32 [batch, 28, 28, 1] pixels scaled to [0, 1], as tailor's predict scales them.",
        params: ModelIdParams,
        querystring: ExportQuery,
        produces: ['application/zip'],
        response: {
          200: KerasArchiveResponse,
          302: ExportRedirect,
          ...errorResponses(400, 404, 422, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const model = await resolve(request.params.id, reply);
      if ((request.query.format ?? 'tfjs') === 'tfjs') {
        return reply.redirect(tfjsPath(model.id, 'model.json'), 302);
      }
      const archive = await service().kerasArchive(model);
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${model.id}.keras"`)
        .send(archive);
    },
  );

  app.get(
    '/v1/models/:id/export/tfjs/model.json',
    {
      schema: {
        tags: ['models'],
        summary: "A model's TF.js layers model.json, for tf.loadLayersModel",
        description:
          'Through an alias, the weights path points at the resolved model id, so weights and topology always come from one model even if the alias moves between the two requests.',
        params: ModelIdParams,
        response: { 200: TfjsModelJsonResponse, ...errorResponses(400, 404, 422, 500, 503) },
      },
    },
    async (request, reply) => {
      const model = await resolve(request.params.id, reply);
      const viaAlias = model.id !== request.params.id;
      const body = await service().tfjsModelJson(model, {
        // From .../models/<alias>/export/tfjs/ up to .../models/, then down to the id's file.
        ...(viaAlias && {
          weightsPath: (m: ModelVersion) =>
            `../../../${encodeURIComponent(m.id)}/export/tfjs/weights.bin`,
        }),
      });
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get(
    '/v1/models/:id/export/tfjs/weights.bin',
    {
      schema: {
        tags: ['models'],
        summary: "A model's TF.js weights, as its model.json lists them",
        params: ModelIdParams,
        produces: ['application/octet-stream'],
        response: { 200: TfjsWeightsResponse, ...errorResponses(400, 404, 500, 503) },
      },
    },
    async (request, reply) => {
      const model = await resolve(request.params.id, reply);
      const weights = await service().tfjsWeights(model);
      return reply.type('application/octet-stream').send(Buffer.from(weights));
    },
  );
};

export default modelExport;

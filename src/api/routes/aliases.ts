import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ID_PATTERN } from '../../store/ids.js';
import { type ModelRegistry, testAccuracyOf } from '../../store/model-registry.js';
import { StoreError } from '../../store/store-errors.js';
import { pageArray } from '../array-pages.js';
import { ApiError } from '../errors.js';
import {
  Alias,
  AliasList,
  AliasParams,
  ListAliasesQuery,
  PromoteBody,
  Promotion,
} from '../schemas/aliases.js';
import { errorResponses } from '../schemas/error.js';

/**
 * Named pointers at model versions (`production`, `staging`, ...). Moving one is atomic and
 * may be gated on test accuracy; `/v1/models/:idOrAlias` and its predict route follow them.
 */
const aliases: FastifyPluginAsyncTypebox = async (app) => {
  const registry = (): ModelRegistry => {
    const found = app.deps.models?.registry;
    if (!found) throw new ApiError('SERVICE_UNAVAILABLE', 'the model registry is not available');
    return found;
  };

  /** The alias as clients see it; a target that vanished shows without a test accuracy. */
  const view = async (name: string, model: string) => {
    const record = await registry()
      .get(model)
      .catch((err: unknown) => {
        if (err instanceof StoreError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      });
    return {
      name,
      model,
      testAccuracy: (record && testAccuracyOf(record)) ?? null,
      links: {
        self: `/v1/aliases/${encodeURIComponent(name)}`,
        model: `/v1/models/${encodeURIComponent(model)}`,
      },
    };
  };

  app.get(
    '/v1/aliases',
    {
      schema: {
        tags: ['aliases'],
        summary: 'Aliases by name, with their model and that model’s test accuracy',
        querystring: ListAliasesQuery,
        response: { 200: AliasList, ...errorResponses(400, 500, 503) },
      },
    },
    async (request) => {
      const all = await registry().listAliases();
      const page = pageArray(all, (e) => e.name, ID_PATTERN, request.query);
      return { ...page, items: await Promise.all(page.items.map((e) => view(e.name, e.model))) };
    },
  );

  app.get(
    '/v1/aliases/:name',
    {
      schema: {
        tags: ['aliases'],
        summary: 'One alias with its model and that model’s test accuracy',
        params: AliasParams,
        response: { 200: Alias, ...errorResponses(400, 404, 500, 503) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const model = await registry().getAlias(name);
      if (model === undefined) throw notSet(registry(), name);
      return view(name, model);
    },
  );

  app.put(
    '/v1/aliases/:name',
    {
      schema: {
        tags: ['aliases'],
        summary: 'Point an alias at a model, atomically; with gate, only if it is no worse',
        description:
          "Creates or moves the alias in one atomic Redis step. `model` is a model id or another alias (its current model is taken). With `gate: true` the move is refused (409 PROMOTION_REFUSED) when the alias's current model has a test accuracy and the candidate's is lower or missing; concurrent gated moves are serialised, so none passes a stale check. An alias name may not be a model id (409 ALIAS_NAME_TAKEN).",
        params: AliasParams,
        body: PromoteBody,
        response: { 200: Promotion, ...errorResponses(400, 404, 409, 500, 503) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { model, gate = false } = request.body;
      const candidate = await registry().resolve(model);
      // A refused or impossible move is a coded 409 the error handler answers as it is.
      return registry().promote(name, candidate.id, { gate });
    },
  );

  app.delete(
    '/v1/aliases/:name',
    {
      schema: {
        tags: ['aliases'],
        summary: 'Remove an alias (the models stay)',
        params: AliasParams,
        response: {
          204: Type.Null({ description: 'Removed' }),
          ...errorResponses(400, 404, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!(await registry().deleteAlias(name))) throw notSet(registry(), name);
      return reply.code(204).send(null);
    },
  );
};

function notSet(registry: ModelRegistry, name: string): ApiError {
  const meanwhile = registry.isFallbackAlias(name)
    ? '; while unset it resolves to the newest model'
    : '';
  return new ApiError('NOT_FOUND', `alias '${name}' is not set${meanwhile}`);
}

export default aliases;

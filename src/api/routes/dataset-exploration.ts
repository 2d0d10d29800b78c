import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type DataSource, datasetSource } from '../../data/data-source.js';
import { BUILT_IN_DATASET, DataSourceError, locateFashionMnist } from '../../data/index.js';
import { ExplorationError } from '../../exploration/errors.js';
import { firstRowsPerClass, renderGrid, scaledImage } from '../../exploration/image-grid.js';
import { loadSplits } from '../../exploration/load-splits.js';
import { encodeGrayPng } from '../../exploration/png.js';
import { SplitCache, type SplitCacheOptions } from '../../exploration/split-cache.js';
import type { DatasetStore } from '../../store/dataset-store.js';
import { ApiError } from '../errors.js';
import {
  DatasetStats,
  ImageParams,
  ImageQuery,
  PngResponse,
  SAMPLE_LIMITS,
  SamplesQuery,
  StatsQuery,
} from '../schemas/dataset-exploration.js';
import { DatasetIdParams } from '../schemas/datasets.js';
import { errorResponses } from '../schemas/error.js';

export interface DatasetExplorationOptions {
  /** Uploaded data sets; without it only the built-in set can be explored. */
  store?: DatasetStore;
  /** Where the built-in Fashion-MNIST is looked for (never downloaded by these routes). */
  dataDir: string;
  /** Searched after `dataDir`; defaults to the system directories `locateFashionMnist` knows. */
  systemDirs?: readonly string[];
  cache?: SplitCacheOptions;
}

const PNG_TYPE = 'image/png';

/**
 * What a data set holds, as the seed notebook first looked at it: images per class in each
 * split, a grid of samples per class, and single images. Each split is the one a training job
 * with default options makes.
 */
const datasetExploration: FastifyPluginAsyncTypebox<DatasetExplorationOptions> = async (
  app,
  opts,
) => {
  /** Where the built-in set is; its absence is a clear 503, not a failed load. */
  const builtInDir = async (): Promise<string> => {
    const location = await locateFashionMnist({
      dataDir: opts.dataDir,
      systemDirs: opts.systemDirs,
      download: false,
    }).catch((err: unknown) => {
      if (!(err instanceof DataSourceError)) throw err;
      throw new ApiError(
        'SERVICE_UNAVAILABLE',
        `the built-in data set '${BUILT_IN_DATASET}' is not on this server's disk (GET /v1/datasets shows it as not available)`,
      );
    });
    return location.dir;
  };
  const sourceOf = async (id: string): Promise<DataSource> => {
    if (id !== BUILT_IN_DATASET && !opts.store) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'uploaded datasets are not available');
    }
    const dataDir = id === BUILT_IN_DATASET ? await builtInDir() : opts.dataDir;
    return datasetSource(id, { dataDir, download: false, uploaded: opts.store?.source });
  };
  const cache = new SplitCache(
    async (id, testPerClass) => loadSplits(await sourceOf(id), testPerClass),
    opts.cache,
  );
  app.get(
    '/v1/datasets/:id/stats',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Images per class in the train, val and test splits training uses',
        params: DatasetIdParams,
        querystring: StatsQuery,
        response: { 200: DatasetStats, ...errorResponses(400, 404, 422, 500, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return { id, ...(await cache.statsOf(id, request.query.testPerClass)) };
    },
  );

  app.get(
    '/v1/datasets/:id/samples.png',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'A PNG grid of sample images: one row per class in label order, the first `perClass` images of that class in the split',
        params: DatasetIdParams,
        querystring: SamplesQuery,
        response: {
          200: PngResponse(
            'Light garments on black as stored; cells 2 pixels apart; a class with fewer images leaves its last cells black',
          ),
          ...errorResponses(400, 404, 422, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { split = 'train', testPerClass } = request.query;
      const perClass = request.query.perClass ?? SAMPLE_LIMITS.perClass.default;
      const scale = request.query.scale ?? SAMPLE_LIMITS.gridScale;
      const data = await cache.split(id, testPerClass);
      const set = data[split];
      const rows = firstRowsPerClass(set.labels, data.classNames.length, perClass);
      return reply.type(PNG_TYPE).send(encodeGrayPng(renderGrid(set, rows, perClass, scale)));
    },
  );

  app.get(
    '/v1/datasets/:id/images/:split/:index.png',
    {
      schema: {
        tags: ['datasets'],
        summary: 'One image of a split as a PNG; its label is in the `x-label` header',
        params: ImageParams,
        querystring: ImageQuery,
        response: {
          200: PngResponse('The image as stored, enlarged `scale` times'),
          ...errorResponses(400, 404, 422, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { id, split } = request.params;
      const index = Number(request.params.index);
      const scale = request.query.scale ?? SAMPLE_LIMITS.imageScale;
      const set = (await cache.split(id, request.query.testPerClass))[split];
      if (index >= set.count) {
        throw new ExplorationError(
          'IMAGE_NOT_FOUND',
          set.count === 0
            ? `the '${split}' split of '${id}' holds no images`
            : `no image ${index} in the '${split}' split of '${id}'; valid indices are 0-${set.count - 1}`,
        );
      }
      return reply
        .type(PNG_TYPE)
        .header('x-label', String(set.labels[index]))
        .send(encodeGrayPng(scaledImage(set, index, scale)));
    },
  );
};

export default datasetExploration;

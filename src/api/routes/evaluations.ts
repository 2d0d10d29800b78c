import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BUILT_IN_DATASET, DataSourceError, NUM_CLASSES } from '../../data/index.js';
import { createEvaluationSets } from '../../evaluation/evaluation-sets.js';
import {
  createModelEvaluator,
  type ModelEvaluator,
  type TrainingRecord,
} from '../../evaluation/model-evaluator.js';
import { JobsError } from '../../jobs/training-jobs.js';
import { StoreError } from '../../store/store-errors.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas/error.js';
import { EvaluationBody, EvaluationParams, EvaluationResponse } from '../schemas/evaluations.js';

/** Evaluation of any model version on any labelled data set, through the predictor pool. */
const evaluations: FastifyPluginAsyncTypebox = async (app) => {
  // One per app, so the splits it caches live as long as the app.
  const sets = createEvaluationSets({
    datasets: app.deps.datasets,
    dataDir: app.deps.dataDir ?? 'data',
  });
  let evaluator: ModelEvaluator | undefined;

  const service = (): ModelEvaluator => {
    const registry = app.deps.models?.registry;
    const predictor = app.deps.predictor;
    if (!registry || !predictor) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'evaluation is not available on this instance');
    }
    const { datasets, trainingJobs } = app.deps;
    evaluator ??= createModelEvaluator({
      registry,
      predictor,
      sets,
      datasetShape: async (id) => {
        if (id === BUILT_IN_DATASET) return { classes: NUM_CLASSES, height: 28, width: 28 };
        if (!datasets) return undefined;
        try {
          return await datasets.get(id);
        } catch (err) {
          if (err instanceof StoreError && err.code === 'NOT_FOUND') return undefined;
          throw err;
        }
      },
      trainingOf: trainingJobs
        ? async (jobId): Promise<TrainingRecord | undefined> => {
            try {
              const job = await trainingJobs.get(jobId);
              return { dataset: job.dataset, training: job.training };
            } catch (err) {
              // Jobs are removed 30 days after they end; the model stays.
              if (err instanceof JobsError && err.code === 'JOB_NOT_FOUND') return undefined;
              throw err;
            }
          }
        : undefined,
    });
    return evaluator;
  };

  app.post(
    '/v1/models/:id/evaluations',
    {
      schema: {
        tags: ['models'],
        summary: 'Evaluate a model (by id or alias) on a split of a labelled data set',
        description:
          "Splits the data set as the model's training did (its training options decide the split sizes; the defaults when they are no longer known), runs the split's images through the prediction workers and answers accuracy, per-class and macro precision/recall/F1, the confusion matrix, the expected calibration error and up to 24 misclassified images. 400 UNKNOWN_DATASET for an unknown data set, DATASET_MISMATCH when its classes or image size differ from the model's.",
        params: EvaluationParams,
        body: EvaluationBody,
        response: { 200: EvaluationResponse, ...errorResponses(400, 404, 500, 503) },
      },
      // Every field has a default, so a POST without a body means all of them.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      // EvaluationError is a coded 400 the error handler answers as it is.
      try {
        return await service().evaluate(request.params.id, request.body);
      } catch (err) {
        if (err instanceof DataSourceError) {
          throw new ApiError(
            'SERVICE_UNAVAILABLE',
            'the built-in Fashion-MNIST is not available on this instance',
          );
        }
        throw err;
      }
    },
  );
};

export default evaluations;

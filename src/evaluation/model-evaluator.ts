import type { SplitOptions } from '../data/data-source.js';
import { BUILT_IN_DATASET, balancedSubset, DataSplitError } from '../data/index.js';
import type { Predictor } from '../inference/predictor.js';
import { type Evaluation, evaluate } from '../ml/evaluate.js';
import type { ModelRegistry, ModelVersion } from '../store/model-registry.js';
import type { EvaluationSets, EvaluationSplit } from './evaluation-sets.js';
import { predictSet } from './predict-set.js';

export interface EvaluationRequest {
  /** Default: the data set the model was trained on, else the built-in one. */
  dataset?: string;
  /** Default 'test'. */
  split?: EvaluationSplit;
  /** At most this many images, a class-balanced subset of the split. */
  limit?: number;
}

export interface ModelEvaluation extends Evaluation {
  model: { id: string; version: number };
  dataset: string;
  split: EvaluationSplit;
  /** The split sizes the data set was split with: the model's training options. */
  splitOptions: SplitOptions;
}

/** How a model was trained, as far as its training job still tells. */
export interface TrainingRecord {
  dataset: string;
  training: Record<string, unknown>;
}

/** What a data set holds, known without reading its images. */
export interface DatasetShape {
  classes: number;
  height: number;
  width: number;
}

export interface ModelEvaluatorOptions {
  registry: Pick<ModelRegistry, 'resolve'>;
  predictor: Predictor;
  sets: EvaluationSets;
  /** undefined for a data set that does not exist. */
  datasetShape: (id: string) => Promise<DatasetShape | undefined>;
  /** The training job of a model whose record does not hold its options; undefined if gone. */
  trainingOf?: (jobId: string) => Promise<TrainingRecord | undefined>;
}

/** A request the model and data set cannot satisfy; `code` is part of the API contract. */
export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';

  constructor(
    readonly code: 'UNKNOWN_DATASET' | 'DATASET_MISMATCH',
    message: string,
  ) {
    super(message);
  }
}

const SPLIT_KEYS = ['testPerClass', 'trainSize', 'valSize', 'testSize'] as const;

/**
 * Evaluates a registered model on a split of a labelled data set: the split is made as the
 * model's training made it, the images go through the predictor pool, and the result has
 * every metric of a training job's test evaluation.
 */
export function createModelEvaluator(options: ModelEvaluatorOptions) {
  const { registry, predictor, sets } = options;

  async function trainingOf(model: ModelVersion): Promise<Partial<TrainingRecord>> {
    if (model.training !== undefined) {
      return { dataset: model.dataset, training: model.training };
    }
    return (await options.trainingOf?.(model.jobId)) ?? {};
  }

  return {
    async evaluate(idOrAlias: string, request: EvaluationRequest = {}): Promise<ModelEvaluation> {
      const model = await registry.resolve(idOrAlias);
      const trained = await trainingOf(model);
      const dataset = request.dataset ?? trained.dataset ?? BUILT_IN_DATASET;
      const split = request.split ?? 'test';
      const shape = await options.datasetShape(dataset);
      if (!shape) {
        throw new EvaluationError(
          'UNKNOWN_DATASET',
          `dataset: no data set '${dataset}'; GET /v1/datasets lists them`,
        );
      }
      // Before reading any image: a data set of other classes cannot be split as the model's was.
      checkFits(model, dataset, shape);
      const splitOptions = splitOptionsOf(trained.training ?? {});
      const loaded = await sets.load(dataset, split, splitOptions).catch((err: unknown) => {
        if (!(err instanceof DataSplitError)) throw err;
        throw new EvaluationError(
          'DATASET_MISMATCH',
          `data set '${dataset}' cannot be split as model '${model.id}' was trained (${describe(splitOptions)}): ${err.message}`,
        );
      });
      checkFits(model, dataset, { ...loaded.set, classes: loaded.classes });
      const set =
        request.limit === undefined
          ? loaded.set
          : balancedSubset(loaded.set, Math.min(request.limit, loaded.set.count));
      if (set.count === 0) {
        throw new EvaluationError(
          'DATASET_MISMATCH',
          `the ${split} split of data set '${dataset}' holds no images`,
        );
      }
      const outputs = await predictSet(predictor, model.id, set);
      return {
        model: { id: model.id, version: model.version },
        dataset,
        split,
        splitOptions,
        ...evaluate(set, outputs, model.classNames.length, model.classNames),
      };
    },
  };
}

export type ModelEvaluator = ReturnType<typeof createModelEvaluator>;

/** The split sizes among a job's training options; anything else there is not about data. */
function splitOptionsOf(training: Record<string, unknown>): SplitOptions {
  const options: SplitOptions = {};
  for (const key of SPLIT_KEYS) {
    const value = training[key];
    if (Number.isInteger(value) && (value as number) > 0) options[key] = value as number;
  }
  return options;
}

function describe(options: SplitOptions): string {
  const parts = Object.entries(options).map(([key, value]) => `${key} ${value}`);
  return parts.length > 0 ? parts.join(', ') : 'the default split';
}

/** The model must take the data set's images and answer in its classes. */
function checkFits(model: ModelVersion, dataset: string, shape: DatasetShape): void {
  const { classes, height, width } = shape;
  const modelClasses = model.classNames.length;
  if (classes !== modelClasses) {
    throw new EvaluationError(
      'DATASET_MISMATCH',
      `model '${model.id}' tells ${modelClasses} classes apart but data set '${dataset}' has ${classes} (labels 0-${classes - 1}); evaluate it on a data set with the same classes`,
    );
  }
  const input = (model.spec as { inputShape?: unknown }).inputShape;
  if (Array.isArray(input) && (input[0] !== height || input[1] !== width)) {
    throw new EvaluationError(
      'DATASET_MISMATCH',
      `model '${model.id}' takes ${input[0]}x${input[1]} images but data set '${dataset}' holds ${height}x${width}`,
    );
  }
}

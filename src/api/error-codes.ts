import type { EvaluationError } from '../evaluation/model-evaluator.js';
import type { ExplorationErrorCode } from '../exploration/errors.js';
import type { ExportErrorCode } from '../export/errors.js';
import type { InputErrorCode } from '../inference/errors.js';
import type { PredictorClosedError } from '../inference/predictor-pool.js';
import type { JobsError } from '../jobs/training-jobs.js';
import type { CursorError } from '../redis/creation-index.js';
import type {
  DatasetError,
  DatasetQuotaError,
  DatasetTooLargeError,
} from '../store/dataset-errors.js';
import type { AliasNameTakenError, PromotionRefusedError } from '../store/model-registry.js';
import type { StoreErrorCode } from '../store/store-errors.js';
import { API_ERROR_CODES, type ApiErrorCode } from './errors.js';

/**
 * Codes of lower layers that reach clients unchanged (error-response.ts passes a coded 4xx
 * or 503 on as it is). Codes the API answers under another name are left out: a store's
 * `INTEGRITY` is `MODEL_INTEGRITY`, a missing job or data set image is `NOT_FOUND` like every
 * missing resource.
 */
const PASSED_THROUGH = [
  // Training and tuning jobs (JobsError, InvalidJobError)
  'QUEUE_UNAVAILABLE',
  'IDEMPOTENCY_KEY_REUSED',
  'INVALID_IDEMPOTENCY_KEY',
  'JOB_FINISHED',
  'UNKNOWN_DATASET',
  'DATASET_MISMATCH',
  'MODEL_TOO_LARGE',
  'INVALID_MODEL',
  'INVALID_SEARCH_SPACE',
  // Prediction input
  'IMAGE_NOT_SUPPORTED',
  'IMAGE_TOO_LARGE',
  'IMAGE_TOO_COMPLEX',
  'IMAGE_CORRUPT',
  'INSTANCE_INVALID',
  'PIXEL_OUT_OF_RANGE',
  'OPTION_INVALID',
  'EXPLAIN_LIMIT',
  'PREDICTOR_CLOSED',
  // Data sets and their exploration
  'DATASET_INVALID',
  'DATASET_TOO_LARGE',
  'DATASET_QUOTA_EXCEEDED',
  'SPLIT_UNAVAILABLE',
  'EXPLORATION_BUSY',
  // Models, aliases and the store
  'EXPORT_UNSUPPORTED',
  'PROMOTION_REFUSED',
  'ALIAS_NAME_TAKEN',
  'INVALID_ID',
  'INVALID_ARGUMENT',
  'CONFLICT',
  // Lists
  'INVALID_CURSOR',
] as const;

/** Every coded error of the layers below that a route can let through. */
type LowerLayerCode =
  | Exclude<JobsError['code'], 'JOB_NOT_FOUND'>
  | EvaluationError['code']
  | InputErrorCode
  | PredictorClosedError['code']
  | DatasetError['code']
  | DatasetTooLargeError['code']
  | DatasetQuotaError['code']
  | Exclude<ExplorationErrorCode, 'IMAGE_NOT_FOUND'>
  | ExportErrorCode
  | PromotionRefusedError['code']
  | AliasNameTakenError['code']
  | Exclude<StoreErrorCode, 'INTEGRITY'>
  | CursorError['code'];

// A code added below without a line above fails the type check here.
type Unlisted = Exclude<LowerLayerCode, ApiErrorCode | (typeof PASSED_THROUGH)[number]>;
const listsEveryLowerCode: [Unlisted] extends [never] ? true : Unlisted = true;
void listsEveryLowerCode;

/** One list of every `error.code` the API answers with: its own, then those passed through. */
export const ERROR_CODES: readonly string[] = [
  ...new Set<string>([...API_ERROR_CODES, ...PASSED_THROUGH]),
];

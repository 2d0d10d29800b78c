import type { EvaluationError } from '../evaluation/model-evaluator.js';
import type { ExplorationErrorCode } from '../exploration/errors.js';
import type { ExportErrorCode } from '../export/errors.js';
import type { InputErrorCode } from '../inference/errors.js';
import type { PredictorClosedError } from '../inference/predictor-pool.js';
import type { InvalidJobError } from '../jobs/training-job.js';
import type { JobsError } from '../jobs/training-jobs.js';
import type { CursorError } from '../redis/creation-index.js';
import type {
  DatasetError,
  DatasetQuotaError,
  DatasetTooLargeError,
} from '../store/dataset-errors.js';
import type { AliasNameTakenError, PromotionRefusedError } from '../store/model-registry.js';
import type { StoreErrorCode } from '../store/store-errors.js';
import { API_ERROR_CODES, type ApiErrorCode, statusOf } from './errors.js';

/** Every coded error of the layers below that a route can let through. */
export type LowerLayerCode =
  | JobsError['code']
  | InvalidJobError['code']
  | EvaluationError['code']
  | InputErrorCode
  | PredictorClosedError['code']
  | DatasetError['code']
  | DatasetTooLargeError['code']
  | DatasetQuotaError['code']
  | ExplorationErrorCode
  | ExportErrorCode
  | PromotionRefusedError['code']
  | AliasNameTakenError['code']
  | StoreErrorCode
  | CursorError['code'];

/**
 * Lower-layer codes for a situation the API already has a code for: any missing resource is
 * `NOT_FOUND`; a stored model that fails its hash check is `MODEL_INTEGRITY`.
 */
const RENAMED = {
  JOB_NOT_FOUND: 'NOT_FOUND',
  IMAGE_NOT_FOUND: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  INTEGRITY: 'MODEL_INTEGRITY',
} as const satisfies Partial<Record<LowerLayerCode, ApiErrorCode>>;

/**
 * The one table of the HTTP status of every code the layers below raise: they know what went
 * wrong, only the API knows HTTP. A code added below without a line here fails the type check.
 */
const STATUS = {
  // Training and tuning jobs
  QUEUE_UNAVAILABLE: 503,
  IDEMPOTENCY_KEY_REUSED: 409,
  INVALID_IDEMPOTENCY_KEY: 400,
  // The job is over; the request conflicts with its state.
  JOB_FINISHED: 409,
  UNKNOWN_DATASET: 400,
  DATASET_MISMATCH: 400,
  MODEL_TOO_LARGE: 400,
  INVALID_MODEL: 400,
  INVALID_SEARCH_SPACE: 400,
  INVALID_TRAINING: 400,
  // Prediction input
  IMAGE_NOT_SUPPORTED: 415,
  IMAGE_TOO_LARGE: 413,
  // Too costly to decode for its size (JPEG scans, the time budget): too large in work.
  IMAGE_TOO_COMPLEX: 413,
  IMAGE_CORRUPT: 400,
  INSTANCE_INVALID: 400,
  PIXEL_OUT_OF_RANGE: 400,
  OPTION_INVALID: 400,
  EXPLAIN_LIMIT: 400,
  // The process is shutting down: another instance can answer.
  PREDICTOR_CLOSED: 503,
  // Data sets and their exploration
  DATASET_INVALID: 400,
  DATASET_TOO_LARGE: 413,
  // The stored data sets, not the request, are in the way.
  DATASET_QUOTA_EXCEEDED: 409,
  PICTURE_TOO_LARGE: 400,
  // Well-formed, but this data set cannot be split that way.
  SPLIT_UNAVAILABLE: 422,
  // Too many distinct splits are loading; retrying later helps (see Retry-After).
  EXPLORATION_BUSY: 503,
  // Models, aliases and the store. The model exists but holds something the export format
  // has no stock equivalent for.
  EXPORT_UNSUPPORTED: 422,
  PROMOTION_REFUSED: 409,
  ALIAS_NAME_TAKEN: 409,
  INVALID_ID: 400,
  INVALID_ARGUMENT: 400,
  CONFLICT: 409,
  // Lists
  INVALID_CURSOR: 400,
} as const satisfies Record<Exclude<LowerLayerCode, keyof typeof RENAMED>, number>;

/** What the API answers for a code of a lower layer; undefined for any other code. */
export function answerOfCode(code: string): { statusCode: number; code: string } | undefined {
  if (Object.hasOwn(RENAMED, code)) {
    const renamed = RENAMED[code as keyof typeof RENAMED];
    return { statusCode: statusOf(renamed), code: renamed };
  }
  if (Object.hasOwn(STATUS, code)) {
    return { statusCode: STATUS[code as keyof typeof STATUS], code };
  }
  return undefined;
}

/**
 * Whether an error already says what to answer: a status of its own (fastify's, a plugin's,
 * ApiError) or a code of the table above. Anything else a parser throws is a malformed request.
 */
export function carriesAnswer(err: unknown): boolean {
  const { code, statusCode } = (err ?? {}) as { code?: unknown; statusCode?: unknown };
  return typeof statusCode === 'number' || (typeof code === 'string' && !!answerOfCode(code));
}

/** One list of every `error.code` the API answers with: its own, then those of the table. */
export const ERROR_CODES: readonly string[] = [
  ...new Set<string>([...API_ERROR_CODES, ...Object.keys(STATUS)]),
];

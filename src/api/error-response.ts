import { answerOfCode } from './error-codes.js';
import {
  ApiError,
  type ApiErrorCode,
  defaultMessageOf,
  type ErrorDetail,
  statusOf,
} from './errors.js';
import { summarize, type ValidationIssue, validationDetails } from './validation-details.js';

/** What the client receives for an error, before the request id is added. */
export interface ErrorResponse {
  statusCode: number;
  code: string;
  message: string;
  details?: ErrorDetail[];
}

/**
 * Codes of fastify's own 4xx errors (body parsing, content type, multipart limits) by status.
 * Fastify's codes (`FST_ERR_*`) are an implementation detail and stay out of the API contract
 * (https://fastify.dev/docs/latest/Reference/Errors/).
 */
const frameworkCodes: Record<number, ApiErrorCode> = {
  404: 'NOT_FOUND',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const invalidJsonCodes = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/**
 * Maps anything a handler, hook or parser threw to the response a client may see.
 * 4xx messages are meant for the client; for anything unexpected only a generic 500 is
 * returned, so internals never leak (the caller logs the original).
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof ApiError) {
    return withDetails(error.statusCode, error.code, error.message, error.details);
  }
  const code = readString(error, 'code');
  const statusCode = readNumber(error, 'statusCode');
  const validation = readValidation(error);
  if (validation !== undefined) {
    const details = validationDetails(validation.issues, validation.part);
    return withDetails(
      statusOf('VALIDATION_FAILED'),
      'VALIDATION_FAILED',
      summarize(details),
      details,
    );
  }
  // A code of the layers below: the one table in error-codes.ts says its status.
  const lower = code === undefined ? undefined : answerOfCode(code);
  if (lower) {
    // A 5xx message of a lower layer names files and hosts: the client gets the default one.
    const message =
      lower.statusCode >= 500 && lower.statusCode !== 503
        ? defaultMessageOf(lower.code as ApiErrorCode)
        : (readString(error, 'message') ?? '');
    return { ...lower, message };
  }
  // 503 is passed on too: "this dependency is down, retry" is safe and useful to say.
  const clientOrUnavailable =
    statusCode !== undefined && ((statusCode >= 400 && statusCode <= 499) || statusCode === 503);
  if (code === undefined || statusCode === undefined || !clientOrUnavailable) {
    return internal();
  }
  const message = readString(error, 'message') ?? '';
  if (invalidJsonCodes.has(code)) return { statusCode: 400, code: 'INVALID_JSON', message };
  if (code.startsWith('FST_')) {
    return { statusCode, code: frameworkCodes[statusCode] ?? 'BAD_REQUEST', message };
  }
  // A coded 4xx of a library (a fastify plugin, the multipart parser) keeps its code.
  return { statusCode, code, message };
}

function internal(): ErrorResponse {
  return {
    statusCode: statusOf('INTERNAL'),
    code: 'INTERNAL',
    message: defaultMessageOf('INTERNAL'),
  };
}

function withDetails(
  statusCode: number,
  code: string,
  message: string,
  details: ErrorDetail[] | undefined,
): ErrorResponse {
  return details === undefined
    ? { statusCode, code, message }
    : { statusCode, code, message, details };
}

/** Fastify sets `validation` and `validationContext` on schema validation errors. */
function readValidation(error: unknown): { issues: ValidationIssue[]; part: string } | undefined {
  if (typeof error !== 'object' || error === null || !('validation' in error)) return undefined;
  const issues = error.validation;
  if (!Array.isArray(issues)) return undefined;
  return { issues, part: readString(error, 'validationContext') ?? 'request' };
}

function readString(value: unknown, key: string): string | undefined {
  const field = typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
  return typeof field === 'string' ? field : undefined;
}

function readNumber(value: unknown, key: string): number | undefined {
  const field = typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
  return Number.isInteger(field) ? (field as number) : undefined;
}

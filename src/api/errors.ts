/** One problem with a request, located by a JSON pointer such as `/body/training/epochs`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * Every code the API itself answers with, declared once with its HTTP status and default
 * message, in the manner of fastify's `lib/errors.js`
 * (https://github.com/fastify/fastify/blob/main/lib/errors.js).
 * Errors of the data, store and inference layers keep their own codes (see error-response.ts).
 */
const declarations = {
  BAD_REQUEST: [400, 'bad request'],
  VALIDATION_FAILED: [400, 'request does not match the schema'],
  INVALID_JSON: [400, 'request body is not valid JSON'],
  UNAUTHORIZED: [401, 'an API key is required'],
  FORBIDDEN: [403, 'the API key lacks the scope this route needs'],
  NOT_FOUND: [404, 'not found'],
  METHOD_NOT_ALLOWED: [405, 'the path does not take this method'],
  NOT_ACCEPTABLE: [406, 'not acceptable'],
  REQUEST_TIMEOUT: [408, 'the request was not received in time'],
  PAYLOAD_TOO_LARGE: [413, 'request body is too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'unsupported media type'],
  RATE_LIMITED: [429, 'too many requests'],
  STREAM_LIMIT: [429, 'too many event streams are open'],
  HEADERS_TOO_LARGE: [431, "the request's headers are too large"],
  INTERNAL: [500, 'internal error'],
  MODEL_INTEGRITY: [
    500,
    'the stored model failed its integrity check and cannot be served until it is restored',
  ],
  SERVICE_UNAVAILABLE: [503, 'service unavailable'],
} as const satisfies Record<string, readonly [number, string]>;

export type ApiErrorCode = keyof typeof declarations;

/** The codes declared here, in declaration order. */
export const API_ERROR_CODES = Object.keys(declarations) as ApiErrorCode[];

/** An error whose code, status and message are part of the API contract. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  readonly details: ErrorDetail[] | undefined;
  /** Sent as `Retry-After` when set: how long the client should wait before it asks again. */
  retryAfterSeconds: number | undefined;

  constructor(code: ApiErrorCode, message?: string, details?: ErrorDetail[]) {
    const [statusCode, defaultMessage] = declarations[code];
    super(message ?? defaultMessage);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }
}

export function statusOf(code: ApiErrorCode): number {
  return declarations[code][0];
}

export function defaultMessageOf(code: ApiErrorCode): string {
  return declarations[code][1];
}

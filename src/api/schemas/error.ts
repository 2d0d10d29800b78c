import { type Static, type TRef, Type } from 'typebox';
import { ERROR_CODES } from '../error-codes.js';
import { type HeaderSchemas, RETRY_AFTER } from './response-headers.js';

export const ErrorBodyId = 'ErrorBody';

/**
 * The one shape of every error response. Registered once with `addSchema` and referenced by
 * `$ref`, so the OpenAPI document holds it as a single component
 * (https://fastify.dev/docs/latest/Reference/Validation-and-Serialization/#adding-a-shared-schema).
 */
export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        // A string for the types (clients must tolerate codes added later), listed for readers
        // and generators; responses are serialized, not validated, so the list cannot refuse one.
        code: Type.Unsafe<string>({
          type: 'string',
          enum: [...ERROR_CODES],
          description: 'Stable, machine-readable error code; one code per situation',
        }),
        message: Type.String({ description: 'What went wrong, for a human' }),
        details: Type.Optional(
          Type.Array(
            Type.Object(
              {
                path: Type.String({ description: 'JSON pointer into the request' }),
                message: Type.String(),
              },
              { additionalProperties: false },
            ),
          ),
        ),
        requestId: Type.String({ description: 'Echoes the x-request-id response header' }),
      },
      { additionalProperties: false },
    ),
  },
  { $id: ErrorBodyId, additionalProperties: false },
);

export type ErrorBody = Static<typeof ErrorBody>;

const descriptions: Record<number, string> = {
  400: 'The request is malformed or does not match the schema',
  401: 'No API key, or an unknown one (when API keys are configured)',
  403: 'The API key lacks the scope this route needs',
  404: 'Not found',
  409: 'Conflicts with an earlier request',
  413: 'The request body is too large',
  415: 'The content type is not supported',
  422: 'The request is well-formed but cannot be processed',
  429: 'Rate limit of the API key (or client address) exceeded; see Retry-After',
  500: 'Internal error',
  503: 'A dependency is unavailable',
};

/** One documented error response: always JSON, whatever the route's success type is. */
export interface ErrorResponseSchema {
  description: string;
  headers?: HeaderSchemas;
  content: { 'application/json': { schema: TRef<typeof ErrorBodyId> } };
}

/**
 * Response schemas for the error statuses a route can answer with, for its `schema.response`.
 * The media type is explicit because routes that produce HTML or event streams still answer
 * errors as JSON, and `produces` alone would document them as the route's success type.
 */
export function errorResponses<const S extends number>(
  ...statuses: S[]
): Record<S, ErrorResponseSchema> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        ...((status === 429 || status === 503) && { headers: RETRY_AFTER }),
        content: { 'application/json': { schema: Type.Ref(ErrorBodyId) } },
      },
    ]),
  ) as Record<S, ErrorResponseSchema>;
}

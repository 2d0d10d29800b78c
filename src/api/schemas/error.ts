import { type Static, type TRef, Type } from 'typebox';

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
        code: Type.String({ description: 'Stable, machine-readable error code' }),
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

/** Response schemas for the error statuses a route can answer with, for its `schema.response`. */
export function errorResponses<const S extends number>(
  ...statuses: S[]
): Record<S, TRef<typeof ErrorBodyId>> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      Type.Ref(ErrorBodyId, { description: descriptions[status] ?? 'Error' }),
    ]),
  ) as Record<S, TRef<typeof ErrorBodyId>>;
}

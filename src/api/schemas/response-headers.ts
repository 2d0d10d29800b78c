import type { RouteOptions } from 'fastify';

/** Response headers as the OpenAPI document describes them, by lower-case name. */
export type HeaderSchemas = Readonly<Record<string, { type: string; description: string }>>;

export const LOCATION: HeaderSchemas = {
  location: { type: 'string', description: 'The URL of the created resource' },
};

export const RETRY_AFTER: HeaderSchemas = {
  'retry-after': {
    type: 'integer',
    description: 'Seconds to wait before retrying (sent when the wait is known)',
  },
};

export const RATE_LIMIT: HeaderSchemas = {
  'x-ratelimit-limit': {
    type: 'integer',
    description: "The caller's limit per minute on this kind of request",
  },
  'x-ratelimit-remaining': { type: 'integer', description: 'What is left of it in this window' },
  'x-ratelimit-reset': { type: 'integer', description: 'Seconds until the window frees up' },
};

export const ETAG: HeaderSchemas = {
  etag: {
    type: 'string',
    description: 'Entity tag of the representation; send it as If-None-Match to get a 304',
  },
};

type ContentForm = { description?: string; headers?: object; content: object };

/**
 * A response schema with `headers` documented. Fastify serializes a response given as
 * `{ content: { 'application/json': { schema } } }` with that schema and ignores `headers`,
 * which only @fastify/swagger reads; a bare schema is moved into that form, as JSON.
 */
export function withHeaders(response: object, headers: HeaderSchemas): ContentForm {
  if ('content' in response) {
    const form = response as ContentForm;
    return { ...form, headers: { ...form.headers, ...headers } };
  }
  const { description } = response as { description?: unknown };
  return {
    ...(typeof description === 'string' && { description }),
    headers,
    content: { 'application/json': { schema: response } },
  };
}

/** Documents `headers` on the responses of `route` whose status `which` selects. */
export function addResponseHeaders(
  route: RouteOptions,
  which: (status: number) => boolean,
  headers: HeaderSchemas,
): void {
  const response = route.schema?.response as Record<string, object> | undefined;
  if (response === undefined) return;
  const documented = Object.fromEntries(
    Object.entries(response).map(([status, schema]) => [
      status,
      which(Number(status)) ? withHeaders(schema, headers) : schema,
    ]),
  );
  route.schema = { ...route.schema, response: documented };
}

/** 2xx statuses. */
export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

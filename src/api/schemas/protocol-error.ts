import { Type } from 'typebox';
import { RETRY_AFTER } from './response-headers.js';

/** The error body of TF Serving's REST API and of the Open Inference Protocol. */
export const ProtocolError = Type.Object(
  { error: Type.String({ description: 'What went wrong, for a human' }) },
  {
    title: 'ProtocolError',
    description: "Error in the protocol's own format; the request id is in x-request-id",
  },
);

const descriptions: Record<number, string> = {
  400: 'The request or its tensor is malformed',
  401: 'No API key, or an unknown one (when API keys are configured)',
  403: 'The API key lacks the scope this route needs',
  404: 'No such model, version or label',
  413: 'The request body is too large',
  415: 'The content type is not supported',
  429: 'Rate limit of the API key (or client address) exceeded; see Retry-After',
  500: 'Internal error',
  503: 'A dependency is unavailable',
};

/** Response schemas for the error statuses a protocol route can answer with: always JSON. */
export function protocolErrors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        ...((status === 429 || status === 503) && { headers: RETRY_AFTER }),
        content: { 'application/json': { schema: ProtocolError } },
      },
    ]),
  );
}

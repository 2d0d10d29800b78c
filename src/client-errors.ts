import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ApiErrorCode } from './api/errors.js';
import { REQUEST_ID_HEADER } from './api/plugins/request-id.js';
import type { ErrorBody } from './api/schemas/error.js';

/**
 * Fastify's `clientErrorHandler`: Node refuses some requests before any route sees them (a
 * request that is not HTTP, headers over Node's limit, a request not received within the
 * request timeout). They are answered in the API's error format like every other error,
 * then the socket is closed, as Node itself does
 * (https://nodejs.org/api/http.html#event-clienterror).
 */
export function clientErrorHandler(requestTimeoutMs: number | undefined) {
  return function onClientError(
    this: FastifyInstance,
    err: NodeJS.ErrnoException,
    socket: Socket,
  ): void {
    // A reset socket is gone: nothing to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] = refusal(err.code, requestTimeoutMs);
    this.log.debug({ err, statusCode: status }, 'client error');
    if (socket.writable) {
      const requestId = randomUUID();
      const body = JSON.stringify({ error: { code, message, requestId } } satisfies ErrorBody);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `${REQUEST_ID_HEADER}: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

function refusal(
  nodeCode: string | undefined,
  requestTimeoutMs: number | undefined,
): [number, ApiErrorCode, string] {
  switch (nodeCode) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [
        408,
        'REQUEST_TIMEOUT',
        requestTimeoutMs
          ? `the request was not received within ${seconds(requestTimeoutMs)}; send it whole, faster`
          : 'the request was not received in time',
      ];
    case 'HPE_HEADER_OVERFLOW':
      return [
        431,
        'HEADERS_TOO_LARGE',
        `the request's headers exceed ${maxHeaderSize / 1024} KB; send fewer or shorter headers`,
      ];
    default:
      return [400, 'BAD_REQUEST', 'the request is malformed HTTP/1.1 and could not be parsed'];
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

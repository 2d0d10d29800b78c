import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/app.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent, never decompressed. */
  body: Buffer;
}

/**
 * A request over real HTTP that leaves the answer as it came: supertest and fetch both
 * decompress bodies, which would hide what the server sent. The app listens on a random port
 * for the first call and stays listening until it is closed.
 */
export async function rawRequest(
  app: App,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  if (!app.server.listening) {
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  }
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Only the status and headers: the body is dropped unread (an event stream never ends). */
export async function rawHead(
  app: App,
  path: string,
  headers: Record<string, string> = {},
): Promise<Omit<RawResponse, 'body'>> {
  if (!app.server.listening) {
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  }
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

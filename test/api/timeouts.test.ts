import { connect } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { testDeps } from './helper.js';

/** A raw client: what it receives, and when the server closes the socket. */
function rawClient(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => {
    socket.on('close', () => resolve(performance.now() - opened));
    // The server may reset the socket; the close that follows is what the tests wait for.
    socket.on('error', () => {});
  });
  return { socket, closed, received: () => Buffer.concat(chunks).toString('latin1') };
}

/** Headers announcing a 1000-byte JSON body, and its first bytes. */
const PARTIAL_REQUEST =
  'POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
  'Content-Length: 1000\r\n\r\n{"instances": [';

const start = (timeouts: { requestTimeoutMs: number; connectionTimeoutMs: number }) =>
  startServer({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    signals: [],
    deps: testDeps(),
    ...timeouts,
  });

describe('a server with a 1 s request timeout', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ requestTimeoutMs: 1000, connectionTimeoutMs: 10_000 });
  });
  afterAll(() => server?.close());

  it('answers 408 and closes the socket of a client that stalls inside its body', async () => {
    const client = rawClient(server.url);
    client.socket.write(PARTIAL_REQUEST);
    const closedAfter = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(errorBody(client.received())).toMatchObject({
      error: { code: 'REQUEST_TIMEOUT', message: expect.stringMatching(/within 1 s/) },
    });
    expect(closedAfter).toBeGreaterThan(900);
    expect(closedAfter).toBeLessThan(2500);
    await request(server.url).get('/healthz').expect(200, { status: 'ok' });
  });

  it('cuts off a client that keeps the socket busy by sending one byte every 100 ms', async () => {
    const client = rawClient(server.url);
    client.socket.write(PARTIAL_REQUEST);
    const trickle = setInterval(() => client.socket.write(' '), 100);
    const closedAfter = await client.closed.finally(() => clearInterval(trickle));
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfter).toBeLessThan(2500);
    await request(server.url).get('/healthz').expect(200);
  });

  it('still serves a client that sends its request in time', async () => {
    const client = rawClient(server.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"status":"ok"\}$/);
  });
});

/** The JSON body of a raw HTTP answer, in the API's documented error format. */
function errorBody(raw: string): unknown {
  const [head, body] = raw.split('\r\n\r\n');
  expect(head).toMatch(/\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
  const parsed = JSON.parse(body ?? '');
  expect(parsed.error.requestId).toMatch(/^[\w-]{8,}$/);
  return parsed;
}

describe("node's own refusals in the documented error format", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ requestTimeoutMs: 60_000, connectionTimeoutMs: 10_000 });
  });
  afterAll(() => server?.close());

  it('answers 431 to headers over the limit and 400 to a request that is not HTTP', async () => {
    const big = rawClient(server.url);
    big.socket.write(
      `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    await big.closed;
    expect(big.received()).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(errorBody(big.received())).toMatchObject({
      error: { code: 'HEADERS_TOO_LARGE', message: expect.stringMatching(/16 KB/) },
    });

    const garbage = rawClient(server.url);
    garbage.socket.write('HELLO\r\n\r\n');
    await garbage.closed;
    expect(garbage.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(errorBody(garbage.received())).toMatchObject({
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/malformed HTTP/) },
    });
    await request(server.url).get('/healthz').expect(200);
  });
});

describe('a server with a 500 ms idle-connection timeout', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ requestTimeoutMs: 60_000, connectionTimeoutMs: 500 });
  });
  afterAll(() => server?.close());

  it('closes the socket of a client that goes silent inside its body', async () => {
    const client = rawClient(server.url);
    client.socket.write(PARTIAL_REQUEST);
    const closedAfter = await client.closed;
    expect(closedAfter).toBeGreaterThan(400);
    expect(closedAfter).toBeLessThan(2000);
    await request(server.url).get('/healthz').expect(200);
  });
});

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

import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server.js';
import { logSink, testDeps } from './helper.js';

describe('startServer', () => {
  it('listens, then on close finishes in-flight requests before closing the deps', async () => {
    const events: string[] = [];
    const { stream } = logSink();
    let arrived = () => {};
    const readinessAsked = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      logStream: stream,
      signals: [],
      deps: testDeps({
        readiness: async () => {
          arrived();
          await new Promise((resolve) => setTimeout(resolve, 200));
          events.push('readiness answered');
          return {};
        },
      }),
      closeDeps: async () => {
        events.push('deps closed');
      },
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await request(server.url).get('/healthz').expect(200);

    const inFlight = request(server.url)
      .get('/readyz')
      .then((res) => res.status);
    // Closed once the request is being answered, however long it took to arrive.
    await readinessAsked;
    await Promise.all([server.close(), server.close()]);
    expect(await inFlight).toBe(200);
    expect(events).toEqual(['readiness answered', 'deps closed']);
    await expect(request(server.url).get('/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('closes gracefully on a signal and logs it', async () => {
    const { stream, lines } = logSink();
    let depsClosed = false;
    // SIGUSR2 stands in for SIGTERM; emitting it only calls listeners, it signals nothing.
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'info',
      logStream: stream,
      signals: ['SIGUSR2'],
      deps: testDeps(),
      closeDeps: async () => {
        depsClosed = true;
      },
    });
    const listeners = process.listenerCount('SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    await server.close();
    expect(depsClosed).toBe(true);
    expect(process.listenerCount('SIGUSR2')).toBe(listeners - 1);
    expect(lines).toContainEqual(expect.objectContaining({ signal: 'SIGUSR2', msg: 'closing' }));
  });

  it('closes the deps and rethrows when it cannot listen', async () => {
    const first = await startServer({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      signals: [],
      deps: testDeps(),
    });
    let depsClosed = false;
    const port = Number(new URL(first.url).port);
    await expect(
      startServer({
        host: '127.0.0.1',
        port,
        logLevel: 'silent',
        signals: [],
        deps: testDeps(),
        closeDeps: async () => {
          depsClosed = true;
        },
      }),
    ).rejects.toThrow(/EADDRINUSE/);
    expect(depsClosed).toBe(true);
    await first.close();
  });
});

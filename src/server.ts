import type { Server } from 'node:http';
import type { DestinationStream, LevelWithSilent } from 'pino';
import { type App, type AppDeps, buildApp } from './app.js';

export interface ServerOptions {
  host: string;
  port: number;
  logLevel: LevelWithSilent;
  deps: AppDeps;
  /** Closes the services in `deps`; runs after the last in-flight request has finished. */
  closeDeps?: () => Promise<void>;
  /** Where logs go; stdout when omitted. */
  logStream?: DestinationStream;
  /** Idle socket limit (node's `server.timeout`). */
  connectionTimeoutMs?: number;
  /** Time allowed to receive a whole request; bounds slow clients (node's `server.requestTimeout`). */
  requestTimeoutMs?: number;
  /** A graceful close that takes longer than this exits the process anyway. */
  shutdownTimeoutMs?: number;
  /** Signals that start a graceful close; `[]` leaves signal handling to the caller. */
  signals?: readonly NodeJS.Signals[];
}

export interface RunningServer {
  app: App;
  /** Where the server listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops accepting connections, waits for in-flight requests, then closes the deps. Idempotent. */
  close: () => Promise<void>;
}

/** Header values that must never reach the logs, should a serializer ever include headers. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

/**
 * Runs the API process: logger, timeouts, listen, graceful close. Settings arrive as arguments
 * (config.ts reads the environment). Timeouts follow fastify's advice for servers exposed
 * without a reverse proxy (https://fastify.dev/docs/latest/Reference/Server/#requesttimeout).
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const app = buildApp(opts.deps, {
    logger: {
      level: opts.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      ...(opts.logStream && { stream: opts.logStream }),
    },
    connectionTimeout: opts.connectionTimeoutMs ?? 120_000,
    requestTimeout: opts.requestTimeoutMs ?? 60_000,
  });
  enforceRequestTimeout(app.server, opts.requestTimeoutMs ?? 60_000);

  let detachSignals = () => {};
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        // Fastify stops accepting, answers 503 to requests that still arrive, waits for the
        // in-flight ones and runs onClose hooks (https://fastify.dev/docs/latest/Reference/Server/#close).
        await app.close();
      } finally {
        await opts.closeDeps?.();
        detachSignals();
      }
    })();
    return closing;
  };

  try {
    const url = await app.listen({ host: opts.host, port: opts.port });
    detachSignals = onSignals(opts.signals ?? ['SIGTERM', 'SIGINT'], app, close, opts);
    return { app, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Node expires no request before its `headersTimeout` (60 s unless set), whatever
 * `requestTimeout` says, and checks deadlines every `connectionsCheckingInterval` (30 s unless
 * set). Fastify sets neither, so a shorter request timeout would not apply before 60 s and a
 * 60 s one would let a slow client hold its socket for up to 90 s.
 */
function enforceRequestTimeout(server: Server, timeoutMs: number): void {
  if (timeoutMs <= 0) return;
  server.headersTimeout = Math.min(server.headersTimeout, timeoutMs);
  // Read when the server starts listening; @types/node declares it only as a constructor option.
  const interval = Math.min(30_000, Math.max(100, Math.round(timeoutMs / 4)));
  Object.assign(server, { connectionsCheckingInterval: interval });
}

/** First signal: graceful close, bounded by a timer. Second signal: exit at once. */
function onSignals(
  signals: readonly NodeJS.Signals[],
  app: App,
  close: () => Promise<void>,
  { shutdownTimeoutMs = 10_000 }: Pick<ServerOptions, 'shutdownTimeoutMs'>,
): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      app.log.warn({ signal }, 'second signal, exiting without waiting');
      process.exit(1);
    }
    received = true;
    app.log.info({ signal, shutdownTimeoutMs }, 'closing');
    const timer = setTimeout(() => {
      app.log.error({ shutdownTimeoutMs }, 'close timed out, exiting');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    close().then(
      () => clearTimeout(timer),
      (err: unknown) => {
        clearTimeout(timer);
        app.log.error({ err }, 'close failed');
        process.exitCode = 1;
      },
    );
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

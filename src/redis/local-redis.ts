import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';

export interface RedisEndpoint {
  url: string;
  /** How it was found: given, already running on the default port, or started by us. */
  source: 'configured' | 'running' | 'started';
  /** Stops a redis-server we started (AOF flushed by redis' own SIGTERM handling). */
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  redisUrl: string | undefined;
  /** The local redis-server keeps its AOF here (`<dataDir>/redis`). */
  dataDir: string;
  host?: string;
  port?: number;
  /** The redis-server binary. */
  binary?: string;
  startTimeoutMs?: number;
}

export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
}

/**
 * Finds Redis for a one-command start: REDIS_URL when set; else whatever answers PING on
 * the default port; else a redis-server child with append-only persistence under the data
 * directory and the noeviction policy BullMQ needs.
 */
export async function ensureRedis(options: LocalRedisOptions): Promise<RedisEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 6379;
  const url = `redis://${host}:${port}`;
  const none = async () => {};
  if (options.redisUrl) return { url: options.redisUrl, source: 'configured', stop: none };
  if (await answersPing(host, port)) return { url, source: 'running', stop: none };

  const dir = join(options.dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const binary = options.binary ?? 'redis-server';
  const child = spawn(
    binary,
    ['--bind', host, '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: 'ignore' },
  );
  const spawnFailure = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new RedisUnavailableError(
          err.code === 'ENOENT'
            ? `no Redis at ${url} and no '${binary}' to start one: set REDIS_URL to your Redis, ` +
                `or install it (Debian/Ubuntu: apt-get install redis-server)`
            : `could not start ${binary}: ${err.message}`,
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(new RedisUnavailableError(`${binary} exited with code ${code} before answering`)),
    );
  });
  await Promise.race([waitForPing(host, port, options.startTimeoutMs ?? 10_000), spawnFailure]);
  child.removeAllListeners('exit');
  return { url, source: 'started', stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function waitForPing(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answersPing(host, port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new RedisUnavailableError(
    `redis-server did not answer on ${host}:${port} within ${timeoutMs} ms`,
  );
}

/** A raw RESP PING, so probing needs no client library and never retries. */
export function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, host, () => socket.write('PING\r\n'));
  });
}

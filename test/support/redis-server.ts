import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersPing } from '../../src/redis/local-redis.js';

/** A port nothing listens on (the OS picks it, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of a test's own, on its own port and directory, for tests that restart,
 * kill or misconfigure Redis. Append-only with an fsync per write, as tailor recommends.
 */
export async function startRedisServer(extraArgs: string[] = []) {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tailor-redis-'));
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    ...extraArgs,
  ];
  let child: ChildProcess | undefined;
  const up = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const until = Date.now() + 10_000;
    while (!(await answersPing('127.0.0.1', port))) {
      if (Date.now() > until) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const down = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  await up();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** Kills Redis (SIGKILL: no goodbye), waits `downMs`, starts it again from its AOF. */
    async restart(downMs = 0) {
      await down('SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      await up();
    },
    /** Kills Redis (SIGKILL) and leaves it down until `revive`. */
    async crash() {
      await down('SIGKILL');
    },
    /** Starts Redis again from its AOF after `crash`. */
    async revive() {
      await up();
    },
    /** Freezes Redis (SIGSTOP): connections stay open, commands go unanswered until `resume`. */
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      await down('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

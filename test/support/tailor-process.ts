import { type ChildProcess, spawn } from 'node:child_process';

export interface TailorProcess {
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line `match` accepts; rejects if the process exits first. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** SIGTERM, then the exit. */
  stop(): Promise<void>;
}

/**
 * Runs `tailor <command>` from sources in a process of its own, as an operator starts it, with
 * `env` added to this process' environment. Its pino log lines (stdout) are kept parsed.
 */
export function startTailor(command: string, env: NodeJS.ProcessEnv): TailorProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', command], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const check of waiters) check();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    logs,
    waitForLog(match) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = logs.find(match);
          if (line === undefined) return;
          waiters.delete(check);
          resolve(line);
        };
        waiters.add(check);
        check();
        exited.then(() => {
          waiters.delete(check);
          reject(new Error(`tailor ${command} exited (${child.exitCode}): ${stderr.slice(-2000)}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The environment of a deployment's processes on the test Redis: its key prefix and its
 * data and artifact directory, then `extra`.
 */
export function deploymentEnv(prefix: string, dir: string, extra: NodeJS.ProcessEnv = {}) {
  return {
    REDIS_URL: 'redis://127.0.0.1:6379',
    TAILOR_QUEUE_PREFIX: prefix,
    TAILOR_DATA_DIR: dir,
    TAILOR_ARTIFACT_DIR: dir,
    ...extra,
  };
}

/** Starts `tailor serve` and resolves with it and the URL it listens on. */
export async function startApi(env: NodeJS.ProcessEnv) {
  const api = startTailor('serve', { HOST: '127.0.0.1', PORT: '0', ...env });
  try {
    const listening = await api.waitForLog((l) => l.msg === 'api listening');
    return { ...api, url: String(listening.url) };
  } catch (err) {
    await api.stop();
    throw err;
  }
}

import { access, constants } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { type Config, readConfig } from '../config.js';
import { locateFashionMnist } from '../data/index.js';
import { BACKENDS, BackendError, type BackendName, selectBackend } from '../ml/backend.js';
import { defaultReplicas } from '../ml/replica-count.js';
import { maxmemoryPolicy } from '../redis/eviction-policy.js';
import { createStores } from '../store/stores.js';
import { engineChecks } from './doctor-engines.js';
import { formatOptions, type OptionDoc, parseOptions } from './option-table.js';

const OPTIONS: OptionDoc[] = [{ name: 'help', type: 'boolean', help: 'Show this help.' }];

export const DOCTOR_HELP = `Usage: tailor doctor

Reports what a worker on this host would use, from the same settings (see the README):
which tfjs backends load and why the others do not, the TensorFlow version, whether
training steps and predictions run as compiled TensorFlow graphs and on how many threads,
Redis, the data set and the storage paths. Exits 1 when something a worker needs is
missing: no backend, a compiled step asked for that is not built, no Redis (or one that may evict keys), or storage it cannot write.

Options:
${formatOptions(OPTIONS)}`;

interface Check {
  ok: boolean;
  line: string;
  /** Said for information: neither good nor bad (a faster backend this host lacks). */
  note?: boolean;
}

/** `tailor doctor`: one look at everything a worker needs, each with its verdict. */
export async function doctorCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) {
    out.write(`${DOCTOR_HELP}\n`);
    return 0;
  }
  const config = readConfig();
  const backends = await backendChecks(config);
  const sections: [string, Check[]][] = [
    ['backends (fastest first)', backends.checks],
    ['engines', engineChecks(config, backends.chosen)],
    ['redis', [await redisCheck(config)]],
    ['data', [await dataCheck(config)]],
    ['storage', await storageChecks(config)],
  ];
  let ok = true;
  for (const [title, checks] of sections) {
    out.write(`${title}:\n`);
    for (const check of checks) {
      const mark = !check.ok ? 'FAIL' : check.note ? '--  ' : 'ok  ';
      out.write(`  ${mark}  ${check.line}\n`);
      ok &&= check.ok;
    }
  }
  out.write(ok ? 'a worker can run here\n' : 'a worker cannot run here: see FAIL above\n');
  return ok ? 0 : 1;
}

/**
 * Every backend probed in turn (tfjs keeps one engine per process, so the last one loaded
 * stays selected: the choice a worker would make is computed from the outcomes).
 */
async function backendChecks(
  config: Config,
): Promise<{ checks: Check[]; chosen: BackendName | undefined }> {
  const loaded = new Map<BackendName, string | undefined>();
  const lines: Check[] = [];
  for (const name of BACKENDS) {
    try {
      const report = await selectBackend(name);
      loaded.set(name, report.detail);
      lines.push({
        ok: true,
        line: `${name.padEnd(15)} loads${report.detail ? `: ${report.detail}` : ''}`,
      });
    } catch (err) {
      const reason = err instanceof BackendError ? err.skipped[0]?.reason : String(err);
      // Not loading is a verdict only for the backend the configuration insists on.
      lines.push({
        ok: config.backend !== name,
        line: `${name.padEnd(15)} does not load: ${reason}`,
      });
    }
  }
  const preferred =
    config.backend === 'auto' ? BACKENDS.find((b) => loaded.has(b)) : config.backend;
  const chosen = preferred && loaded.has(preferred) ? preferred : undefined;
  if (chosen) {
    const replicas = defaultReplicas(chosen);
    const how =
      replicas > 1
        ? `${replicas} data-parallel replicas, one per core`
        : 'one process; TensorFlow runs its kernels on every core';
    lines.push({
      ok: true,
      line: `training and predict use ${chosen} (TAILOR_BACKEND=${config.backend}): ${how}; ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    });
  } else {
    lines.push({ ok: false, line: `no usable backend for TAILOR_BACKEND=${config.backend}` });
  }
  return { checks: lines, chosen };
}

async function redisCheck(config: Config): Promise<Check> {
  const url = config.redisUrl ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const server = await redis.info('server');
    const version = /^redis_version:(\S+)/m.exec(server)?.[1] ?? 'unknown';
    const policy = maxmemoryPolicy(await redis.info('memory'));
    const evicts = policy !== 'noeviction';
    return {
      ok: !evicts,
      line: `${url}: Redis ${version}, maxmemory-policy ${policy}${evicts ? ' (may evict queued jobs; set noeviction)' : ''}, key prefix '${config.queuePrefix}'`,
    };
  } catch (err) {
    const hint = config.redisUrl
      ? ''
      : ' (unset REDIS_URL: tailor serve/start would start a local redis-server)';
    return { ok: false, line: `${url}: unreachable (${(err as Error).message})${hint}` };
  } finally {
    redis.disconnect();
  }
}

async function dataCheck(config: Config): Promise<Check> {
  try {
    const found = await locateFashionMnist({ dataDir: config.dataDir, download: false });
    return { ok: true, line: `Fashion-MNIST in ${resolve(found.dir)} (${found.source})` };
  } catch (err) {
    // A worker downloads it on first use; only a host without internet is stuck.
    return { ok: true, line: `Fashion-MNIST not on disk: ${(err as Error).message}` };
  }
}

/** An S3 store is tried for real: one object written, read back and removed. */
async function objectStoreCheck(config: Config): Promise<Check> {
  if (config.storage.kind !== 's3') {
    return {
      ok: true,
      line: 'TAILOR_STORAGE_URL unset: models, checkpoints and data sets on local disk',
    };
  }
  const { endpoint, region, forcePathStyle } = config.storage;
  const stores = createStores(config);
  const where = `${stores.location} (${endpoint ?? 'AWS'}, region ${region}${forcePathStyle ? ', path-style' : ''})`;
  try {
    await stores.probe();
    return { ok: true, line: `TAILOR_STORAGE_URL ${where}: writable` };
  } catch (err) {
    return {
      ok: false,
      line: `TAILOR_STORAGE_URL ${where}: not usable (${(err as Error).message || (err as Error).name})`,
    };
  } finally {
    stores.close();
  }
}

async function storageChecks(config: Config): Promise<Check[]> {
  const dirs: [string, string][] = [
    ['TAILOR_ARTIFACT_DIR', config.artifactDir],
    ['TAILOR_DATA_DIR', config.dataDir],
    ['TAILOR_CHECKPOINT_DIR', config.checkpointDir],
  ];
  const checks = Promise.all(
    dirs.map(async ([name, dir]) => {
      const path = resolve(dir);
      // Nothing is created here: the nearest existing directory must let tailor write.
      let existing = path;
      while (!(await exists(existing)) && dirname(existing) !== existing)
        existing = dirname(existing);
      const fresh = existing === path ? '' : ` (created on first use under ${existing})`;
      try {
        await access(existing, constants.W_OK);
        return { ok: true, line: `${name} ${path}: writable${fresh}` };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        return { ok: false, line: `${name} ${path}: not writable${fresh} (${code})` };
      }
    }),
  );
  return [await objectStoreCheck(config), ...(await checks)];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

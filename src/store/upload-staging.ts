import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const PREFIX = '.tmp-upload-';
/** `.tmp-upload-<host>-<pid>-<random>`; the host may itself hold dashes. */
const NAME = /^\.tmp-upload-(.+)-(\d+)-[0-9a-f]{12}$/;

/** How long another host's staging directory may sit unchanged before it is taken as dead. */
export const FOREIGN_STAGING_TTL_MS = 24 * 60 * 60 * 1000;

/** A new staging directory name that says which process on which host owns it. */
export function stagingName(): string {
  return `${PREFIX}${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/**
 * Removes the staging directories of uploads whose process died mid-upload (killed, or the
 * machine restarted), so they do not pile up. Called when the API starts, before it stages
 * anything itself. A directory of this host is dead when its process is gone or is this very
 * process (a restarted container keeps its pid); another host's, or an unnamed one from an
 * older version, when it has not changed for `FOREIGN_STAGING_TTL_MS`, since an API on
 * another host sharing the directory may still be receiving it. Returns the names removed.
 */
export async function removeDeadStaging(
  root: string,
  now = Date.now(),
  foreignTtlMs = FOREIGN_STAGING_TTL_MS,
): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    },
  );
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(PREFIX)) continue;
    const path = join(root, entry.name);
    if (await isDead(entry.name, path, now, foreignTtlMs)) {
      await rm(path, { recursive: true, force: true });
      removed.push(entry.name);
    }
  }
  return removed;
}

async function isDead(name: string, path: string, now: number, ttl: number): Promise<boolean> {
  const owner = NAME.exec(name);
  if (owner && owner[1] === hostname()) {
    const pid = Number(owner[2]);
    return pid === process.pid || !processExists(pid);
  }
  return now - (await lastChange(path)) > ttl;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The latest modification time of the directory and the files in it. */
async function lastChange(dir: string): Promise<number> {
  const times = [(await stat(dir)).mtimeMs];
  for (const file of await readdir(dir).catch(() => [])) {
    const info = await stat(join(dir, file)).catch(() => undefined);
    if (info) times.push(info.mtimeMs);
  }
  return Math.max(...times);
}

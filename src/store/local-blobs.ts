import { randomBytes } from 'node:crypto';
import {
  copyFile,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fsyncPath } from './atomic.js';
import { type Blobs, checkKey, fileDigest, integrityError, joinKey, sameDigest } from './blobs.js';
import { StoreError } from './store-errors.js';

/**
 * Objects as files under `rootDir`, a key's segments its directories. A write goes to a
 * hidden `.tmp-*` sibling, is fsynced and renamed into place, so a reader sees the old
 * file or the new one; `ifAbsent` links instead of renaming, which fails if the name
 * exists. Hidden entries are never listed. Does no I/O until called.
 */
export function createLocalBlobs(rootDir: string): Blobs {
  const root = resolve(rootDir);
  const pathOf = (key: string) => join(root, ...checkKey(key).split('/'));

  async function put(key: string, body: Uint8Array | string, options: { ifAbsent?: boolean } = {}) {
    const target = pathOf(key);
    const parent = dirname(target);
    await mkdir(parent, { recursive: true });
    const temp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(temp, body);
      await fsyncPath(temp);
      if (options.ifAbsent) {
        try {
          await link(temp, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw err;
        }
      } else {
        await rename(temp, target);
      }
      await fsyncPath(parent);
      return true;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async function putFile(key: string, file: string) {
    const target = pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(file, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // Another file system: copy beside the target, then rename as usual.
      const temp = join(dirname(target), `.tmp-${randomBytes(6).toString('hex')}`);
      await copyFile(file, temp);
      await fsyncPath(temp);
      await rename(temp, target);
      await unlink(file);
    }
    await fsyncPath(target);
    await fsyncPath(dirname(target));
  }

  async function get(key: string) {
    return readFile(pathOf(key)).catch(absentAs(undefined));
  }

  async function exists(key: string) {
    return stat(pathOf(key)).then((s) => s.isFile(), absentAs(false));
  }

  async function list(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    async function walk(dir: string, at: string) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(absentAs([]));
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const key = joinKey(at, entry.name);
        if (entry.isDirectory()) await walk(join(dir, entry.name), key);
        else if (entry.isFile()) keys.push(key);
      }
    }
    const base = prefix.replace(/\/$/, '');
    await walk(base === '' ? root : pathOf(base), base);
    return keys.sort();
  }

  async function children(prefix = ''): Promise<string[]> {
    const base = prefix.replace(/\/$/, '');
    const dir = base === '' ? root : pathOf(base);
    const entries = await readdir(dir, { withFileTypes: true }).catch(absentAs([]));
    return entries
      .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isFile()))
      .map((e) => e.name)
      .sort();
  }

  async function remove(keys: readonly string[]) {
    const parents = new Set<string>();
    for (const key of keys) {
      const path = pathOf(key);
      await rm(path, { force: true });
      parents.add(dirname(path));
    }
    // Directories left empty go too, so a removed model or data set leaves no trace.
    for (let dir of [...parents].sort().reverse()) {
      while (dir.startsWith(`${root}/`)) {
        const removed = await rmdir(dir).then(
          () => true,
          () => false,
        );
        if (!removed) break;
        dir = dirname(dir);
      }
    }
  }

  return {
    location: pathToFileURL(root).href,
    get,
    put,
    putFile,
    localFile: async (key, expected) => {
      if (!(await exists(key))) throw new StoreError('NOT_FOUND', `${key} not found`);
      const path = pathOf(key);
      const found = expected && (await fileDigest(path));
      if (expected && found && !sameDigest(found, expected)) {
        throw integrityError(key, found, expected);
      }
      return path;
    },
    exists,
    list,
    children,
    delete: remove,
    scope: (prefix) => createLocalBlobs(join(root, ...checkKey(prefix).split('/'))),
    close: () => {},
  };
}

function absentAs<T>(value: T) {
  return (err: NodeJS.ErrnoException): T => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return value;
    throw err;
  };
}

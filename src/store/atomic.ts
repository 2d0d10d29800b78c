import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Flushes a file or directory to disk so a rename that follows survives a power cut. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a directory of files so that readers see all of it or none of it: files go to a
 * temporary sibling, are fsynced, then the directory is renamed into place. The target
 * must not exist yet (names are unique per epoch).
 */
export async function writeDirAtomic(target: string, files: Record<string, Uint8Array | string>) {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  try {
    for (const [name, content] of Object.entries(files)) {
      const path = join(temp, name);
      await writeFile(path, content);
      await fsyncPath(path);
    }
    await fsyncPath(temp);
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
    await fsyncPath(parent);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/** Replaces a small file atomically (write a temporary sibling, fsync, rename over). */
export async function writeFileAtomic(target: string, content: string): Promise<void> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  await writeFile(temp, content);
  await fsyncPath(temp);
  await rename(temp, target);
  await fsyncPath(parent);
}

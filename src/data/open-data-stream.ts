import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from './errors.js';

/** Whether the file starts with the gzip magic bytes 1f 8b. */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Opens a file as a byte stream, gunzipping on the fly when it starts with the gzip magic bytes:
 * names are unreliable (mirrors serve `.gz` names uncompressed and vice versa).
 * Pass errors raised while consuming it through `explainStreamError`.
 */
export async function openDataStream(path: string): Promise<Readable> {
  const gzipped = await isGzipFile(path);
  const raw = createReadStream(path);
  // pipeline destroys the gunzip stream with any error, so consumers see it; nothing to do here.
  return gzipped ? pipeline(raw, createGunzip(), () => {}) : raw;
}

/** Turns zlib failures into `DataFormatError`s naming the file; other errors pass unchanged. */
export function explainStreamError(error: unknown, fileName: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'Z_BUF_ERROR') {
    return new DataFormatError(
      'TRUNCATED',
      fileName,
      'gzip data ends unexpectedly (truncated file)',
    );
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    const detail = error instanceof Error ? error.message : String(error);
    return new DataFormatError('BAD_GZIP', fileName, `corrupt gzip data (${detail})`);
  }
  return error;
}

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from './errors.js';
import { describeBytes } from './limits.js';

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

/** A data file opened for reading: its bytes (gunzipped) and what is known before reading them. */
export interface DataChunks {
  fileName: string;
  gzipped: boolean;
  /** Bytes on disk: the data's own size when it is not compressed. */
  sizeOnDisk: number;
  /** The (gunzipped) bytes; throws TOO_LARGE as soon as they exceed `maxBytes`. */
  chunks: AsyncIterable<Buffer>;
}

/**
 * Opens a file like `openDataStream`, refusing more than `maxBytes` of data: an uncompressed
 * file by its size before any read, a gzip stream as soon as it expands past the limit (gunzip
 * works in 16 kB chunks, so no more than that is ever held beyond it). Errors thrown while
 * iterating are already explained (see `explainStreamError`).
 */
export async function openDataChunks(path: string, maxBytes: number): Promise<DataChunks> {
  const fileName = basename(path);
  const gzipped = await isGzipFile(path);
  const sizeOnDisk = (await stat(path)).size;
  const limit = `the limit of ${describeBytes(maxBytes)} per file`;
  const tooLarge = (detail: string) => new DataFormatError('TOO_LARGE', fileName, detail);
  if (!gzipped && sizeOnDisk > maxBytes) {
    throw tooLarge(`holds ${describeBytes(sizeOnDisk)}, more than ${limit}`);
  }
  async function* chunks(): AsyncGenerator<Buffer> {
    const stream = await openDataStream(path);
    let total = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxBytes) {
          throw tooLarge(
            `expands to more than ${limit} when gunzipped (reading stopped at ${describeBytes(total)})`,
          );
        }
        yield chunk;
      }
    } catch (error) {
      throw explainStreamError(error, fileName);
    } finally {
      stream.destroy();
    }
  }
  return { fileName, gzipped, sizeOnDisk, chunks: chunks() };
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

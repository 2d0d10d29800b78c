import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DataSourceError } from './errors.js';
import type { FashionMnistFile } from './fashion-mnist-files.js';
import { explainStreamError, isGzipFile, openDataStream } from './open-data-stream.js';

export type FetchLike = (url: string) => Promise<Response>;

/**
 * Downloads `url` into `dir` and keeps it only if its checksum matches `file`. The body goes to
 * a temporary file that is renamed into place after verification, so a failed or corrupt
 * download never leaves a file a later run could mistake for data. Returns the final path:
 * `<name>.gz` for gzip content, `<name>` otherwise.
 */
export async function downloadVerified(
  url: string,
  dir: string,
  file: FashionMnistFile,
  fetchImpl: FetchLike = fetch,
): Promise<string> {
  const temp = join(dir, `.${file.name}.${randomBytes(6).toString('hex')}.part`);
  try {
    const archiveMd5 = await fetchTo(url, temp, fetchImpl);
    const gzipped = await isGzipFile(temp);
    if (archiveMd5 !== file.archiveMd5) await verifyContent(temp, url, file, archiveMd5);
    const target = join(dir, gzipped ? `${file.name}.gz` : file.name);
    await rename(temp, target);
    return target;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Streams the response body to `path` and returns its MD5. */
async function fetchTo(url: string, path: string, fetchImpl: FetchLike): Promise<string> {
  const fail = (detail: string) =>
    new DataSourceError('DOWNLOAD_FAILED', `download of ${url} failed: ${detail}`);
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (error) {
    throw fail(describe(error));
  }
  if (!response.ok) {
    // An unread body would hold the connection open.
    await response.body?.cancel().catch(() => {});
    throw fail(`HTTP ${response.status} ${response.statusText}`.trim());
  }
  if (!response.body) throw fail('empty response body');
  const hash = createHash('md5');
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(path, { flags: 'wx' }),
    );
  } catch (error) {
    throw fail(describe(error));
  }
  return hash.digest('hex');
}

async function verifyContent(
  path: string,
  url: string,
  file: FashionMnistFile,
  archiveMd5: string,
) {
  let contentMd5: string;
  try {
    const hash = createHash('md5');
    for await (const chunk of await openDataStream(path)) hash.update(chunk as Buffer);
    contentMd5 = hash.digest('hex');
  } catch (error) {
    contentMd5 = `unreadable (${describe(explainStreamError(error, file.name))})`;
  }
  if (contentMd5 !== file.contentMd5) {
    throw new DataSourceError(
      'CHECKSUM_MISMATCH',
      `checksum mismatch for ${url}: MD5 ${archiveMd5}, expected ${file.archiveMd5} ` +
        `(official archive); decompressed MD5 ${contentMd5}, expected ${file.contentMd5}`,
    );
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports network failures as "fetch failed" with the reason in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

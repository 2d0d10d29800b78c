import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3StorageConfig } from '../config.js';
import { fsyncPath } from './atomic.js';
import {
  type Blobs,
  checkKey,
  type FileDigest,
  fileDigest,
  integrityError,
  joinKey,
  sameDigest,
} from './blobs.js';
import { StoreError } from './store-errors.js';

/** Parts of a multipart upload: S3's minimum is 5 MiB; four are in flight at once. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
/** Bodies from this size up go in parts (a large model's weights), smaller ones in one PUT. */
const MULTIPART_FROM = 2 * PART_BYTES;
/** DeleteObjects takes at most 1,000 keys a request. */
const DELETE_BATCH = 1000;

export interface S3BlobsOptions {
  /** Where localFile keeps its downloads, checked against their digest on every read. */
  cacheDir: string;
}

/**
 * Objects in an S3 bucket (AWS, MinIO, Ceph's RGW, R2, ...) under `config.prefix`. Each
 * PUT is atomic on S3, so an object is whole or absent; files go up in parts and come
 * down as streams. `put` with `ifAbsent` sends `If-None-Match: *`, which S3 and servers
 * with conditional writes answer 412 when the key exists; for servers that ignore the
 * header it also looks first. Checksums: the SDK's default CRC32 trailers are turned off
 * (only sent where an operation requires one), since S3-compatible servers do not all
 * accept them; the stores check their own SHA-256 on read.
 */
export function createS3Blobs(config: S3StorageConfig, options: S3BlobsOptions): Blobs {
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials && { credentials: config.credentials }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return scoped(client, config.bucket, config.prefix, options.cacheDir, () => client.destroy());
}

function scoped(
  client: S3Client,
  bucket: string,
  prefix: string,
  cacheDir: string,
  close: () => void,
): Blobs {
  const Bucket = bucket;
  const keyOf = (key: string) => joinKey(prefix, checkKey(key));
  const dirOf = (key: string) => {
    const base = key.replace(/\/$/, '');
    return `${joinKey(prefix, checkKey(base, true))}/`.replace(/^\//, '');
  };

  async function get(key: string): Promise<Buffer | undefined> {
    try {
      const reply = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(key) }));
      return Buffer.from(
        await (
          reply.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async function exists(key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(key) }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async function put(key: string, body: Uint8Array | string, options: { ifAbsent?: boolean } = {}) {
    if (options.ifAbsent && (await exists(key))) return false;
    if (!options.ifAbsent && body.length >= MULTIPART_FROM) {
      await upload(key, body);
      return true;
    }
    try {
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: keyOf(key),
          Body: body,
          ...(options.ifAbsent && { IfNoneMatch: '*' }),
        }),
      );
      return true;
    } catch (err) {
      if (options.ifAbsent && isPreconditionFailure(err)) return false;
      throw err;
    }
  }

  async function upload(key: string, Body: Uint8Array | string | Readable): Promise<void> {
    await new Upload({
      client,
      params: { Bucket, Key: keyOf(key), Body },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      // A failed upload aborts its parts, so none linger (and bill) in the bucket.
      leavePartsOnError: false,
    }).done();
  }

  async function putFile(key: string, file: string): Promise<void> {
    await upload(key, createReadStream(file));
    await rm(file, { force: true });
  }

  async function localFile(key: string, expected?: FileDigest): Promise<string> {
    const path = join(cacheDir, bucket, ...keyOf(key).split('/'));
    // A cached copy is checked like the object itself; a bad one is fetched again.
    const cached = await fileDigest(path).catch(() => undefined);
    if (cached && (!expected || sameDigest(cached, expected))) return path;
    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      const reply = await client
        .send(new GetObjectCommand({ Bucket, Key: keyOf(key) }))
        .catch((err: unknown) => {
          if (isMissing(err)) throw new StoreError('NOT_FOUND', `${key} not found`);
          throw err;
        });
      await pipeline(reply.Body as Readable, createWriteStream(temp));
      const found = await fileDigest(temp);
      if (expected && !sameDigest(found, expected)) throw integrityError(key, found, expected);
      await fsyncPath(temp);
      await rename(temp, path);
      return path;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async function listKeys(dir: string, delimiter?: string) {
    const Prefix = dirOf(dir);
    const keys: string[] = [];
    const prefixes: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket, Prefix, Delimiter: delimiter, ContinuationToken }),
      );
      for (const item of page.Contents ?? [])
        if (item.Key) keys.push(item.Key.slice(Prefix.length));
      for (const p of page.CommonPrefixes ?? []) {
        if (p.Prefix) prefixes.push(p.Prefix.slice(Prefix.length).replace(/\/$/, ''));
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return { keys, prefixes };
  }

  async function list(dir = ''): Promise<string[]> {
    const base = dir.replace(/\/$/, '');
    const { keys } = await listKeys(base);
    return keys.map((k) => joinKey(base, k)).sort();
  }

  async function children(dir = ''): Promise<string[]> {
    const { keys, prefixes } = await listKeys(dir, '/');
    return [...new Set([...keys, ...prefixes])].filter((n) => !n.startsWith('.')).sort();
  }

  async function remove(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH).map((key) => ({ Key: keyOf(key) }));
      const reply = await client.send(
        new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch, Quiet: true } }),
      );
      const failed = reply.Errors?.[0];
      if (failed)
        throw new Error(`S3 could not delete ${failed.Key}: ${failed.Code} ${failed.Message}`);
    }
  }

  return {
    location: `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}`,
    get,
    put,
    putFile,
    localFile,
    exists,
    list,
    children,
    delete: remove,
    scope: (sub) => scoped(client, bucket, joinKey(prefix, checkKey(sub)), cacheDir, () => {}),
    close,
  };
}

function isMissing(err: unknown): boolean {
  return (
    err instanceof S3ServiceException &&
    err.name !== 'NoSuchBucket' &&
    (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404)
  );
}

/** 412: the key exists; 409: a concurrent conditional write to it is in progress. */
function isPreconditionFailure(err: unknown): boolean {
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
  return status === 412 || status === 409;
}

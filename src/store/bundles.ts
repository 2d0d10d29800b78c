import { createHash } from 'node:crypto';
import { type Blobs, type FileDigest, joinKey } from './blobs.js';
import { isValidFileName } from './ids.js';
import { StoreError } from './store-errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'tailor-artifact/1';
const SHA256_HEX = /^[0-9a-f]{64}$/;

export type { FileDigest } from './blobs.js';

/** Written beside a bundle's files; lists every file's hash and size, sorted by name. */
export interface ArtifactManifest {
  format: typeof MANIFEST_FORMAT;
  files: Record<string, FileDigest>;
}

/** A bundle read back and checked: its files by name, and the digest of its manifest. */
export interface VerifiedBundle {
  /** sha256 of manifest.json, so it covers every file through the hashes listed there. */
  sha256: string;
  manifest: ArtifactManifest;
  files: Record<string, Uint8Array>;
}

/**
 * A bundle is a set of files under one directory key (a model, a checkpoint) that
 * appears whole or not at all: the files are written first, `manifest.json` last, and a
 * directory without a manifest is absent. `what` names it in errors (`artifact 'x'`).
 */
export interface BundleOptions {
  what: string;
  /** Refuse (StoreError CONFLICT) when the bundle exists already, instead of replacing it. */
  exclusive?: boolean;
}

export async function writeBundle(
  blobs: Blobs,
  dir: string,
  files: Record<string, Uint8Array | string>,
  options: BundleOptions,
): Promise<{ sha256: string; manifest: ArtifactManifest }> {
  const manifestKey = joinKey(dir, MANIFEST_FILE);
  const conflict = () => new StoreError('CONFLICT', `${options.what} already exists`);
  // Checked first so a second writer does not even rewrite the files.
  if (options.exclusive && (await blobs.exists(manifestKey))) throw conflict();
  const names = Object.keys(files).sort();
  const digests: Record<string, FileDigest> = {};
  for (const name of names) {
    const bytes = toBytes(files[name] as Uint8Array | string);
    digests[name] = { sha256: sha256(bytes), size: bytes.length };
    await blobs.put(joinKey(dir, name), bytes);
  }
  const manifest: ArtifactManifest = { format: MANIFEST_FORMAT, files: digests };
  const text = JSON.stringify(manifest, null, 2);
  const written = await blobs.put(manifestKey, text, { ifAbsent: options.exclusive });
  if (!written) throw conflict();
  return { sha256: sha256(text), manifest };
}

/**
 * Reads a bundle and checks every file against its manifest (and the manifest against
 * `sha256`, when given). StoreError NOT_FOUND without a manifest, INTEGRITY when anything
 * differs from what was written.
 */
export async function readBundle(
  blobs: Blobs,
  dir: string,
  what: string,
  expectedSha256?: string,
): Promise<VerifiedBundle> {
  const manifestBytes = await blobs.get(joinKey(dir, MANIFEST_FILE));
  if (!manifestBytes) throw new StoreError('NOT_FOUND', `${what} not found`);
  const integrity = (detail: string) =>
    new StoreError('INTEGRITY', `${what} failed verification: ${detail}`);
  const digest = sha256(manifestBytes);
  if (expectedSha256 !== undefined && expectedSha256 !== digest) {
    throw integrity(`${MANIFEST_FILE} has sha256 ${digest}, expected ${expectedSha256}`);
  }
  const manifest = parseManifest(manifestBytes, integrity);
  const files: Record<string, Uint8Array> = {};
  for (const [name, expected] of Object.entries(manifest.files)) {
    const bytes = await blobs.get(joinKey(dir, name));
    if (!bytes) throw integrity(`${name} is missing`);
    if (bytes.length !== expected.size || sha256(bytes) !== expected.sha256) {
      throw integrity(
        `${name} was changed or truncated (${bytes.length} bytes, expected ${expected.size})`,
      );
    }
    files[name] = bytes;
  }
  return { sha256: digest, manifest, files };
}

/** Removes a bundle: its manifest first, so a concurrent reader never sees part of it. */
export async function deleteBundle(blobs: Blobs, dir: string): Promise<boolean> {
  const manifestKey = joinKey(dir, MANIFEST_FILE);
  if (!(await blobs.exists(manifestKey))) return false;
  await blobs.delete([manifestKey]);
  await blobs.delete(await blobs.list(dir));
  return true;
}

function parseManifest(bytes: Buffer, integrity: (detail: string) => StoreError): ArtifactManifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw integrity(`${MANIFEST_FILE} is not JSON`);
  }
  if (!isRecord(value) || value.format !== MANIFEST_FORMAT || !isRecord(value.files)) {
    throw integrity(`${MANIFEST_FILE} is not a ${MANIFEST_FORMAT} manifest`);
  }
  const files: Record<string, FileDigest> = {};
  for (const [name, entry] of Object.entries(value.files)) {
    if (!isValidFileName(name) || name === MANIFEST_FILE || !isDigest(entry)) {
      throw integrity(`${MANIFEST_FILE} has a malformed entry for ${JSON.stringify(name)}`);
    }
    files[name] = { sha256: entry.sha256, size: entry.size };
  }
  return { format: MANIFEST_FORMAT, files };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isDigest(value: unknown): value is FileDigest {
  return (
    isRecord(value) &&
    typeof value.sha256 === 'string' &&
    SHA256_HEX.test(value.sha256) &&
    Number.isSafeInteger(value.size) &&
    (value.size as number) >= 0
  );
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toBytes(content: Uint8Array | string): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

import { createHash, randomBytes } from 'node:crypto';

/** What a key may do; `admin` implies every other scope. `metrics`: Prometheus' scrape only. */
export const SCOPES = ['predict', 'train', 'metrics', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** One configured API key. Only the SHA-256 of the key is known to the server. */
export interface ApiKeyEntry {
  /** Who holds the key; shown in logs and used as the rate limit key, never secret. */
  name: string;
  scopes: Scope[];
  /** SHA-256 of the key, 64 lowercase hex digits. */
  sha256: string;
}

/** Requests per minute per API key (per client address when auth is off); 0: no limit. */
export interface RateLimits {
  /** `POST /v1/predict` and `POST /v1/models/:id/predict` together. */
  predictPerMinute: number;
  /** `POST /v1/training-jobs`. */
  jobsPerMinute: number;
}

/** The API's keys and limits as configured; no keys: authentication is off. */
export interface AuthConfig {
  apiKeys: ApiKeyEntry[];
  rateLimits: RateLimits;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** Scope names short enough to quote in an error; anything else may be a misplaced key. */
const QUOTABLE = /^[A-Za-z]{1,16}$/;

export const KEY_PREFIX = 'tlr_';

/** A new random key: 32 bytes from the OS CSPRNG, base64url, with a recognisable prefix. */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The `TAILOR_API_KEYS` entry for a key: `<name>:<scope>[+<scope>...]:<sha256>`. */
export function formatApiKeyEntry(entry: ApiKeyEntry): string {
  return `${entry.name}:${entry.scopes.join('+')}:${entry.sha256}`;
}

export function isValidKeyName(name: string): boolean {
  return NAME.test(name);
}

/** Reads scope names; throws an Error saying which one is unknown. */
export function parseScopes(names: readonly string[]): Scope[] {
  if (names.length === 0 || names.some((s) => s === '')) {
    throw new Error(`needs at least one scope and no empty ones; allowed: ${SCOPES.join(', ')}`);
  }
  for (const name of names) {
    if (!(SCOPES as readonly string[]).includes(name)) {
      const shown = QUOTABLE.test(name) ? `'${name}'` : 'a scope';
      throw new Error(`${shown} is not a scope; allowed: ${SCOPES.join(', ')}`);
    }
  }
  return [...new Set(names)] as Scope[];
}

/**
 * Parses `TAILOR_API_KEYS`: entries separated by commas or whitespace. Errors say which entry
 * is wrong and why but never echo a hash field or a whole entry, which could be a plain key
 * pasted by mistake.
 */
export function parseApiKeys(text: string): ApiKeyEntry[] {
  const entries = text.split(/[\s,]+/).filter((part) => part !== '');
  const keys = entries.map((entry, i) => parseEntry(entry, i + 1));
  rejectDuplicates(keys);
  return keys;
}

function parseEntry(entry: string, position: number): ApiKeyEntry {
  const fields = entry.split(':');
  if (fields.length !== 3) {
    throw new Error(
      `entry ${position} has ${fields.length} ':'-separated fields; expected <name>:<scopes>:<sha256>`,
    );
  }
  const [name = '', scopes = '', sha256 = ''] = fields;
  if (!NAME.test(name)) {
    throw new Error(`entry ${position}: the name must be 1-64 characters of A-Z a-z 0-9 _ . -`);
  }
  const at = `entry ${position} ('${name}')`;
  let parsed: Scope[];
  try {
    parsed = parseScopes(scopes.split('+'));
  } catch (err) {
    throw new Error(`${at}: ${(err as Error).message}`);
  }
  if (!SHA256_HEX.test(sha256)) {
    throw new Error(
      `${at}: the hash must be 64 hex digits, the SHA-256 of the key as 'tailor api-key' prints it (${sha256.length} characters given)`,
    );
  }
  return { name, scopes: parsed, sha256: sha256.toLowerCase() };
}

function rejectDuplicates(keys: readonly ApiKeyEntry[]): void {
  const names = new Set<string>();
  const hashes = new Map<string, string>();
  for (const key of keys) {
    if (names.has(key.name)) throw new Error(`the name '${key.name}' is used twice`);
    names.add(key.name);
    const other = hashes.get(key.sha256);
    if (other !== undefined) {
      throw new Error(`'${other}' and '${key.name}' have the same hash (one key, two names)`);
    }
    hashes.set(key.sha256, key.name);
  }
}

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
  /** The key's own limits, in place of the global ones; absent: the global ones apply. */
  limits?: KeyLimits;
}

/** Requests per minute per API key (per client address when auth is off); 0: no limit. */
export interface RateLimits {
  /** The prediction routes together (plugins/rate-limit.ts lists them). */
  predictPerMinute: number;
  /** Training jobs queued: `POST /v1/training-jobs` one, `POST /v1/tuning-jobs` one per trial. */
  jobsPerMinute: number;
}

/** A key's own limits, each optional; 0: no limit for this key whatever the global one. */
export type KeyLimits = Partial<RateLimits>;

/** The names of the limits in an entry's fourth field, `predict=1200+jobs=60`. */
export const LIMIT_FIELDS = { predict: 'predictPerMinute', jobs: 'jobsPerMinute' } as const;
export type LimitField = keyof typeof LIMIT_FIELDS;

/** The largest limit an entry or a variable may set. */
export const MAX_PER_MINUTE = 1_000_000;

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

/**
 * The `TAILOR_API_KEYS` entry for a key: `<name>:<scope>[+<scope>...]:<sha256>`, then
 * `:predict=N+jobs=N` when it has limits of its own.
 */
export function formatApiKeyEntry(entry: ApiKeyEntry): string {
  const base = `${entry.name}:${entry.scopes.join('+')}:${entry.sha256}`;
  const limits = Object.entries(LIMIT_FIELDS)
    .filter(([, field]) => entry.limits?.[field] !== undefined)
    .map(([name, field]) => `${name}=${entry.limits?.[field]}`);
  return limits.length === 0 ? base : `${base}:${limits.join('+')}`;
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

const ENTRY_SHAPE = '<name>:<scopes>:<sha256>[:predict=N+jobs=N]';

function parseEntry(entry: string, position: number): ApiKeyEntry {
  const fields = entry.split(':');
  if (fields.length === 1 && LIMIT_PART.test(entry)) {
    // `…:predict=5,jobs=2`: the comma ended the entry.
    throw new Error(
      `entry ${position} is a lone limit; a key's limits are joined by '+' (predict=N+jobs=N), not by ',' or spaces, which separate entries`,
    );
  }
  if (fields.length !== 3 && fields.length !== 4) {
    throw new Error(
      `entry ${position} has ${fields.length} ':'-separated fields; expected ${ENTRY_SHAPE}`,
    );
  }
  const [name = '', scopes = '', sha256 = '', limits] = fields;
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
  const key: ApiKeyEntry = { name, scopes: parsed, sha256: sha256.toLowerCase() };
  if (limits !== undefined) key.limits = parseKeyLimits(limits, at);
  return key;
}

/** One `<limit>=<value>` part of an entry's fourth field, a short word and a short value. */
const LIMIT_PART = /^[A-Za-z]{1,16}=[0-9A-Za-z.-]{0,16}$/;

/**
 * An entry's fourth field: `predict=N`, `jobs=N` or both joined by '+'. Errors quote only
 * parts shaped like a limit, never the field itself (it could be a key pasted by mistake).
 */
function parseKeyLimits(field: string, at: string): KeyLimits {
  const limits: KeyLimits = {};
  const example = 'e.g. predict=1200+jobs=60';
  if (field === '') {
    throw new Error(
      `${at}: the limits field after the hash is empty; drop the last ':' or write ${example}`,
    );
  }
  for (const part of field.split('+')) {
    const equals = part.indexOf('=');
    if (equals < 0 || !LIMIT_PART.test(part)) {
      throw new Error(
        `${at}: the field after the hash must be limits, <limit>=<per minute> joined by '+' (${example}); allowed limits: ${Object.keys(LIMIT_FIELDS).join(', ')}`,
      );
    }
    const name = part.slice(0, equals);
    const value = part.slice(equals + 1);
    if (!(name in LIMIT_FIELDS)) {
      throw new Error(
        `${at}: '${name}' is not a limit; allowed: ${Object.keys(LIMIT_FIELDS).join(', ')} (${example})`,
      );
    }
    const field = LIMIT_FIELDS[name as LimitField];
    if (limits[field] !== undefined) throw new Error(`${at}: the limit '${name}' is set twice`);
    limits[field] = perMinute(value, `${at}: ${name}`);
  }
  return limits;
}

/** A limit's value: a whole number of units per minute, 0 (no limit) to MAX_PER_MINUTE. */
export function perMinute(value: string, what: string): number {
  const n = /^[0-9]{1,7}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n <= MAX_PER_MINUTE)) {
    throw new Error(
      `${what} must be a whole number per minute from 0 (no limit) to ${MAX_PER_MINUTE}; got '${value}'`,
    );
  }
  return n;
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

import { StoreError } from './store-errors.js';

/**
 * Ids become file names and Redis keys, so they are checked against an allow-list: ASCII
 * letters, digits, '_' and '-', starting with a letter or digit. '.', '/', '\', '%', NUL,
 * whitespace and non-ASCII can never appear, which rules out traversal (`..`, absolute
 * paths, encoded dots) without having to enumerate hostile inputs. JavaScript's `$` (without
 * the m flag) matches only at the very end, so a trailing newline is rejected too.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const ID_RULE = "1-64 characters of A-Z, a-z, 0-9, '_' or '-', starting with a letter or digit";

/** File names inside a stored model: the id alphabet plus '.', which cannot lead. */
export const FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export type IdKind = 'model' | 'version' | 'job' | 'artifact' | 'alias' | 'dataset';

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export function isValidFileName(value: unknown): value is string {
  return typeof value === 'string' && FILE_NAME_PATTERN.test(value);
}

/** Returns `value` if it is a valid id; otherwise throws StoreError INVALID_ID naming it. */
export function assertId(value: unknown, kind: IdKind = 'model'): string {
  if (isValidId(value)) return value;
  throw new StoreError('INVALID_ID', `invalid ${kind} id ${show(value)}: must be ${ID_RULE}`);
}

/** Quotes and escapes (NUL, newlines, ...) and shortens the value so the message stays readable. */
function show(value: unknown): string {
  if (typeof value !== 'string') return `(a ${value === null ? 'null' : typeof value})`;
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return `${JSON.stringify(shown)} (${value.length} characters)`;
}

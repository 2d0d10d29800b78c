import { CursorError } from '../redis/creation-index.js';

export interface ArrayPage<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * A page of a list held whole in memory, in the same cursor style as the lists read from
 * Redis: the cursor is the last item's sort key, so a page resumes after it even when items
 * before it came or went. `items` must be sorted by `keyOf`, ascending; `keyPattern` matches
 * every key the list can have.
 */
export function pageArray<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  keyPattern: RegExp,
  { limit = 20, cursor }: { limit?: number; cursor?: string },
): ArrayPage<T> {
  const after = cursor === undefined ? undefined : decodeKey(cursor, keyPattern);
  const rest = after === undefined ? items : items.filter((item) => keyOf(item) > after);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return rest.length > limit && last !== undefined
    ? { items: page, nextCursor: Buffer.from(keyOf(last)).toString('base64url') }
    : { items: page };
}

/** The key a cursor holds; one that no item of this list could have is refused. */
function decodeKey(cursor: string, keyPattern: RegExp): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!keyPattern.test(key) || Buffer.from(key).toString('base64url') !== cursor) {
    throw new CursorError('cursor must be a nextCursor returned by the same list');
  }
  return key;
}

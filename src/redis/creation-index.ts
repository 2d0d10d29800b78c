import type { Redis } from 'ioredis';

/** Where a page ends: the last entry it holds. Lists resume strictly after it. */
export interface IndexEntry {
  id: string;
  /** Creation time, ms since the epoch: the entry's score. */
  at: number;
}

export interface IndexSlice {
  /** Newest first. */
  entries: IndexEntry[];
  /** Whether older entries follow the slice. */
  more: boolean;
}

/** A cursor a caller cannot have got from a list; the API answers it with a 400. */
export class CursorError extends Error {
  readonly code = 'INVALID_CURSOR';
}

const CURSOR_BODY = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/;

/**
 * An opaque cursor for an entry: base64url of `<at>.<id>`. Unlike an offset, it does not
 * shift when newer entries arrive or older ones go.
 */
export function encodeCursor({ id, at }: IndexEntry): string {
  return Buffer.from(`${at}.${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): IndexEntry {
  const match = CURSOR_BODY.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match || encodeCursor({ at: Number(match[1]), id: match[2] as string }) !== cursor) {
    throw new CursorError('cursor must be a nextCursor returned by the same list');
  }
  return { at: Number(match[1]), id: match[2] as string };
}

/**
 * Reads a sorted set of ids scored by creation time, newest first, strictly after `after`.
 * Ids created in the same millisecond come in reverse lexical order, as Redis returns them,
 * so a cursor inside such a tie resumes exactly.
 */
export async function sliceIndex(
  redis: Redis,
  key: string,
  after: IndexEntry | undefined,
  count: number,
): Promise<IndexSlice> {
  // Entries tied with the cursor's time are read again and skipped up to the cursor's id.
  const ties = after ? await redis.zcount(key, after.at, after.at) : 0;
  const max = after ? String(after.at) : '+inf';
  const reply = await redis.zrevrangebyscore(
    key,
    max,
    '-inf',
    'WITHSCORES',
    'LIMIT',
    0,
    count + 1 + ties,
  );
  const entries: IndexEntry[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    const entry = { id: reply[i] as string, at: Number(reply[i + 1]) };
    if (after && entry.at === after.at && entry.id >= after.id) continue;
    entries.push(entry);
  }
  return { entries: entries.slice(0, count), more: entries.length > count };
}

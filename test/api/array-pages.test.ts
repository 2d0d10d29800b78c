import { describe, expect, it } from 'vitest';
import { pageArray } from '../../src/api/array-pages.js';

const items = ['a', 'b', 'c', 'd', 'e'];
const key = (item: string) => item;

describe('pageArray', () => {
  it('resumes after the last key even when items before it went', () => {
    const first = pageArray(items, key, /^[a-z]$/, { limit: 2 });
    expect(first.items).toEqual(['a', 'b']);
    const shrunk = items.filter((item) => item !== 'a' && item !== 'b');
    expect(pageArray(shrunk, key, /^[a-z]$/, { limit: 2, cursor: first.nextCursor }).items).toEqual(
      ['c', 'd'],
    );
  });

  it('has no cursor on the last page', () => {
    const last = pageArray(items, key, /^[a-z]$/, { limit: 5 });
    expect(last).toEqual({ items });
  });

  it('refuses a cursor that is not one of its own', () => {
    for (const cursor of ['', 'a b', 'YQ==', '%%']) {
      expect(() => pageArray(items, key, /^[a-z]$/, { cursor })).toThrow(/cursor/);
    }
  });
});

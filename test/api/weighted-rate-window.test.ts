import { describe, expect, it } from 'vitest';
import { weightedRateWindow } from '../../src/api/plugins/weighted-rate-window.js';

const MINUTE = 60_000;

describe('weightedRateWindow (time given, not read)', () => {
  it('counts units, not requests, within a window that starts at the first one', () => {
    const window = weightedRateWindow(5, MINUTE);
    expect(window.take('a', 3, 1000)).toMatchObject({
      allowed: true,
      remaining: 2,
      resetMs: MINUTE,
    });
    expect(window.take('a', 3, 2000)).toMatchObject({
      allowed: false,
      remaining: 2,
      retryAfterMs: MINUTE - 1000,
    });
    expect(window.take('a', 2, 2000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(window.take('b', 5, 2000).allowed).toBe(true);
    // The window ends a minute after the first request: all 5 units are back.
    expect(window.take('a', 5, 1000 + MINUTE)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('lets an idle key overdraw once, and carries the excess into the windows that follow', () => {
    const window = weightedRateWindow(5, MINUTE);
    expect(window.take('a', 12, 0)).toMatchObject({ allowed: true, remaining: 0 });
    // 12 used: 7 left to pay after one window, 2 after two; 1 more fits after two.
    expect(window.take('a', 1, 10)).toMatchObject({
      allowed: false,
      retryAfterMs: 2 * MINUTE - 10,
    });
    expect(window.take('a', 1, MINUTE).allowed).toBe(false);
    expect(window.take('a', 1, 2 * MINUTE)).toMatchObject({ allowed: true, remaining: 2 });
    // More than the limit again only once nothing is counted.
    expect(window.take('a', 12, 2 * MINUTE + 1)).toMatchObject({
      allowed: false,
      retryAfterMs: 3 * MINUTE - 2 * MINUTE - 1,
    });
    expect(window.take('a', 12, 3 * MINUTE).allowed).toBe(true);
  });

  it('forgets ended windows of many keys, keeping the ones still counted', () => {
    const window = weightedRateWindow(1, MINUTE);
    for (let i = 0; i < 10_001; i++) window.take(`ip:${i}`, 1, 0);
    expect(window.take('ip:0', 1, 1).allowed).toBe(false);
    // A minute later every window has ended: the keys start afresh.
    expect(window.take('ip:0', 1, MINUTE).allowed).toBe(true);
  });
});

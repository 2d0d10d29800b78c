import { describe, expect, it } from 'vitest';
import { weightedRateWindow } from '../../src/api/plugins/weighted-rate-window.js';

const MINUTE = 60_000;

// What a window counts is tested for both stores in rate-limit-stores.test.ts.
describe('weightedRateWindow (time given, not read)', () => {
  it('forgets ended windows of many keys, keeping the ones still counted', () => {
    const window = weightedRateWindow(1, MINUTE);
    for (let i = 0; i < 10_001; i++) window.take(`ip:${i}`, 1, 0);
    expect(window.take('ip:0', 1, 1).allowed).toBe(false);
    // A minute later every window has ended: the keys start afresh.
    expect(window.take('ip:0', 1, MINUTE).allowed).toBe(true);
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingJobReport } from '../../src/reports/training-job-report.js';
import { hasChromium, launchChromium, VIEWPORT, warnWithoutChromium } from './chromium.js';
import { CLASS_NAMES, completedJob, HOSTILE, LINKS } from './job-fixture.js';

// Escaping checked where it matters: a real HTML parser. The page is loaded without the
// report's Content-Security-Policy, so escaping alone must keep the payloads inert.
warnWithoutChromium();

let browser: Browser;

beforeAll(async () => {
  if (hasChromium) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)('a report with hostile strings, parsed by Chromium', () => {
  it('holds them as text: no script, no handler, nothing ran', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const job = completedJob({ status: 'failed', state: 'failed', error: HOSTILE.error });
    await page.setContent(trainingJobReport(job, LINKS), { waitUntil: 'load' });

    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('[onerror]').count()).toBe(0);
    expect(await page.evaluate(() => Reflect.get(globalThis, 'pwned'))).toBeUndefined();

    // Each string arrives whole, as the text it was: escaped once, not twice.
    const classCells = page.locator('#test tbody tr td:first-child');
    expect(await classCells.allTextContents()).toEqual(CLASS_NAMES);
    const reasons = await page.locator('#lifecycle tbody tr td:nth-child(3)').allTextContents();
    expect(reasons).toContain(HOSTILE.reason);
    expect(await page.locator('dl.facts').first().textContent()).toContain(HOSTILE.error);
    expect(await page.locator('header .lead').textContent()).toContain(HOSTILE.dataset);
    await page.close();
  });
});

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { SETUP_REQUIRED } from '../support/required.js';

/** Debian's Chromium, which scripts/setup.sh installs; another build can be named instead. */
export const CHROMIUM_PATH = process.env.TAILOR_CHROMIUM ?? '/usr/bin/chromium';

export const hasChromium = existsSync(CHROMIUM_PATH) || SETUP_REQUIRED;

/** Says why the browser tests did not run; printed once by each browser test file. */
export function warnWithoutChromium(): void {
  if (!hasChromium) {
    console.warn(
      `Skipping the Chromium report tests: ${CHROMIUM_PATH} is absent. Install it with \`apt-get install chromium\` (scripts/setup.sh does) or set TAILOR_CHROMIUM to a Chromium binary.`,
    );
  }
}

/** Headless, and quiet: no sandbox (tests may run as root), no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Collects everything that went wrong while a page loaded: console errors (which include
 * Content-Security-Policy refusals), uncaught exceptions, requests that failed and responses
 * with an error status.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

const ARTIFACTS = new URL('../../test-artifacts/reports/', import.meta.url);

/** A full-page screenshot kept under test-artifacts/reports/ for a person to look at. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = fileURLToPath(new URL(`${name}.png`, ARTIFACTS));
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A laptop-sized window. */
export const VIEWPORT = { width: 1366, height: 800 };

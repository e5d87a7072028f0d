/**
 * A real browser for tests of the pages a person uses: Debian's Chromium
 * driven by playwright-core. The test set-up installs Chromium itself when
 * it is missing (a fresh machine has only Node, npm and Go); Playwright's
 * own browser download is never used (this machine has no internet).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { aptInstall } from './apt.ts';
import { ROOT } from './stack.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the test run saves a screenshot of each page, for a person to review. */
const SCREENSHOTS = join(ROOT, '.tmp', 'screenshots');

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const log = (message: string) => process.stderr.write(`[browser] ${message}\n`);
  log("Chromium missing: installing Debian's package (once)");
  if (!aptInstall(['chromium'], log)) throw new Error(`Cannot install Chromium with apt-get; install it, or set CHROMIUM_PATH`);
}

/**
 * Launches headless Chromium with the flags this closed network needs
 * (no background connections that would be refused, no sandbox as root).
 */
export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Saves a full-page screenshot as `.tmp/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

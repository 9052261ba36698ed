/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core (no
 * browser download). Absent Chromium skips the tests with a message, unless REQUIRE_SERVICES=1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { REQUIRE_SERVICES } from './services.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `false` (run) when Chromium is installed, else a skip message; throws when REQUIRE_SERVICES=1. */
export function needBrowser(): false | string {
  if (existsSync(CHROMIUM)) return false;
  const msg = `needs Chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 and this test ${msg}`);
  return `skipped: ${msg}`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Builds web/dist unless it is up to date (scripts/build-web.mjs decides); the server serves it. */
export function ensureWebBuilt(): void {
  try {
    execFileSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building web/dist failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}

/**
 * The page's document, typed as far as predicates passed to `waitForFunction` read it (tests
 * compile without the DOM library). Pass functions, not strings: a string predicate that has to
 * poll is evaluated with `eval` in the page, which the app's CSP (no 'unsafe-eval') refuses.
 */
export interface PageDom {
  document: {
    querySelector(s: string): { value?: string; textContent: string | null } | null;
    querySelectorAll(s: string): { length: number };
  };
}

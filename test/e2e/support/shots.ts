// Screenshots of every e2e test go to one folder, $NODEMEND_SCREENSHOTS (default: a temporary
// folder), so a failed run in CI leaves the screens to look at in one place.

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SHOTS = process.env.NODEMEND_SCREENSHOTS ?? join(tmpdir(), 'nodemend-e2e');

/** The path for a screenshot called `name`, its folder created. */
export function shot(name: string): string {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
}

/** A screenshot name for "the screen after test X", safe as a file name. */
export function afterShot(prefix: string, testName: string): string {
  return shot(`${prefix}-${testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
}

/** Polls `check` until it holds; the error names what never happened. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out: ${what}`);
}

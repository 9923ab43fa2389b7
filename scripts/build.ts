// Bundles the three targets (scripts/targets.ts) with esbuild. Type checking is separate
// (`npm run typecheck`): esbuild strips types and does not check them.

import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { targets as all } from './targets.ts';

const watch = process.argv.includes('--watch');
const targets = all(watch);
const missing = targets.flatMap((t) => t.entryPoints).filter((e) => !existsSync(e));
if (missing.length) {
  console.error(`build: missing entry point(s): ${missing.join(', ')}`);
  process.exit(1);
}
const t0 = Date.now();
await Promise.all(targets.map((t) => build(t)));
console.log(`build: ${targets.length} bundles in ${Date.now() - t0} ms`);

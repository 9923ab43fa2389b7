// Bundles the three targets (scripts/targets.ts) with esbuild. Type checking is separate
// (`npm run typecheck`): esbuild strips types and does not check them.
// Every bundle is stamped with package.json's version and the commit (backend/shared/build-info.ts
// reads them): the commit is $NODEMEND_COMMIT when set (the image build has no .git; the Dockerfile
// passes its COMMIT build argument), else git's HEAD, with -dirty when the tree has changes.

import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import type { BuildOptions } from 'esbuild';
import { backendOptions, targets } from './targets.ts';

/** The three targets of scripts/targets.ts and the kubectl plugin: kubectl nodemend, one executable
 * ESM file run by Node (kubectl finds it on PATH by its name). scripts/release-notices.ts lists
 * the packages of exactly these bundles. */
export function allTargets(watch = false): (BuildOptions & { entryPoints: string[] })[] {
  const backend = backendOptions(watch);
  const plugin = { ...backend, entryPoints: ['cli/main.ts'], outfile: 'dist/kubectl-nodemend', sourcemap: false, banner: { js: `#!/usr/bin/env node\n${backend.banner!.js}` } };
  return [...targets(watch), plugin];
}

export function buildStamp(root = new URL('..', import.meta.url)): { version: string; commit: string } {
  const version = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string }).version;
  let commit = process.env.NODEMEND_COMMIT?.trim() || 'unknown';
  if (!process.env.NODEMEND_COMMIT) {
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      commit = git('rev-parse', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '-dirty' : '');
    } catch {
      // not a git checkout (a source archive): "unknown"
    }
  }
  return { version, commit };
}

if (import.meta.main) {
  const watch = process.argv.includes('--watch');
  const all = allTargets(watch);
  const missing = all.flatMap((t) => t.entryPoints).filter((e) => !existsSync(e));
  if (missing.length) {
    console.error(`build: missing entry point(s): ${missing.join(', ')}`);
    process.exit(1);
  }
  const stamp = buildStamp();
  const define = { __NODEMEND_VERSION__: JSON.stringify(stamp.version), __NODEMEND_COMMIT__: JSON.stringify(stamp.commit) };
  const t0 = Date.now();
  await Promise.all(all.map((t) => build({ ...t, define: { ...t.define, ...define } })));
  // The plugin is executable, with kubectl's plugin-completion helper beside it.
  chmodSync('dist/kubectl-nodemend', 0o755);
  copyFileSync('cli/kubectl_complete-nodemend', 'dist/kubectl_complete-nodemend');
  chmodSync('dist/kubectl_complete-nodemend', 0o755);
  console.log(`build: ${all.length} bundles of ${stamp.version} (${stamp.commit}) in ${Date.now() - t0} ms`);
}

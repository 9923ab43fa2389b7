// Which build is running. package.json's "version" is nodemend's one version source: scripts/build.ts
// stamps it and the commit into the bundle (esbuild define), so the image's backend.mjs answers
// without a package.json beside it. Run from the TypeScript sources (tests, the demo) there is no
// stamp: the version is read from package.json and the commit is "unknown".

import { readFileSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';

declare const __NODEMEND_VERSION__: string | undefined;
declare const __NODEMEND_COMMIT__: string | undefined;

export interface BuildInfo {
  /** package.json's version, e.g. 0.1.0. */
  version: string;
  /** The git commit the bundle was built from (with -dirty when the tree had changes), or "unknown". */
  commit: string;
}

function sourceVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    // a bundle built without the stamp (not by scripts/build.ts) has no package.json two levels up
  }
  return 'unknown';
}

// `typeof` of an undeclared name is "undefined" rather than a ReferenceError, which is what lets
// the same file run stamped (bundle) and unstamped (sources).
export const buildInfo: BuildInfo = {
  version: typeof __NODEMEND_VERSION__ === 'string' ? __NODEMEND_VERSION__ : sourceVersion(),
  commit: typeof __NODEMEND_COMMIT__ === 'string' ? __NODEMEND_COMMIT__ : 'unknown',
};

/** The `--version` answer of both commands: `nodemend <version> (commit <commit>, node <version>)`. */
export function versionLine(b: BuildInfo = buildInfo): string {
  return `nodemend ${b.version} (commit ${b.commit}, node ${process.version})`;
}

/** `nodemend_build_info{component,version,commit} 1` in these registries: which build runs, for
 * dashboards and alerts to join on (the Prometheus convention for build metadata). */
export function buildInfoGauge(registers: Registry[], component: 'agent' | 'hub', b: BuildInfo = buildInfo): void {
  new Gauge({ name: 'nodemend_build_info', help: 'Always 1; its labels say which nodemend build is running', labelNames: ['component', 'version', 'commit'], registers })
    .set({ component, version: b.version, commit: b.commit }, 1);
}

// Writes THIRD_PARTY_NOTICES: the licence of every npm package whose code is in a bundle nodemend
// ships (the image's backend.mjs, the .vsix's extension.cjs and webview.js, the kubectl plugin
// kubectl-nodemend). The list comes from
// esbuild's metafile for exactly the options scripts/build.ts uses, so a package that is installed
// but not bundled (a dev tool) is not in it, and one that a new import pulls in is; each text is
// the package's own licence file from node_modules. test/release/notices.test.ts fails when the
// committed file differs from what this writes.
//   node scripts/release-notices.ts           rewrite THIRD_PARTY_NOTICES
//   node scripts/release-notices.ts --check   exit 1 if it is out of date

import { build, type Metafile } from 'esbuild';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allTargets } from './build.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const noticesPath = join(root, 'THIRD_PARTY_NOTICES');

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** The bundles holding its code, e.g. ["backend", "extension"]. */
  bundles: string[];
  /** Its licence file's name and text, or undefined when the package ships none. */
  file?: { name: string; text: string };
}

/** The package directory (relative to the repo) of a metafile input path, if it is in node_modules. */
export function packageDir(input: string): string | undefined {
  // The innermost node_modules wins: a nested copy is its own package (and maybe its own version).
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m?.[1];
}

/** The package directories each bundle's metafile lists as inputs. */
export function bundledDirs(metas: { bundle: string; meta: Metafile }[]): Map<string, Set<string>> {
  const dirs = new Map<string, Set<string>>();
  for (const { bundle, meta } of metas) {
    for (const input of Object.keys(meta.inputs)) {
      const d = packageDir(input);
      if (!d) continue;
      if (!dirs.has(d)) dirs.set(d, new Set());
      dirs.get(d)!.add(bundle);
    }
  }
  return dirs;
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt|markdown))?$|^licen[cs]e[-.]/i;

/** A package.json up the tree from a directory that has one (a package's subfolder may lack one). */
function readPackage(dir: string): BundledPackage {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: unknown; licenses?: { type?: string }[] };
  const license = typeof pkg.license === 'string' ? pkg.license : (pkg.licenses?.map((l) => l.type).join(' OR ') ?? 'UNKNOWN');
  const names = readdirSync(join(root, dir)).filter((f) => LICENSE_FILE.test(f)).sort();
  const files = names.map((n) => ({ name: n, text: readFileSync(join(root, dir, n), 'utf8').replace(/\r\n/g, '\n').trimEnd() }));
  return { name: pkg.name, version: pkg.version, license, bundles: [], ...(files.length ? { file: { name: files.map((f) => f.name).join(' + '), text: files.map((f) => f.text).join('\n\n') } } : {}) };
}

/** The bundled packages, from esbuild metafiles of the real build options (nothing is written). */
export async function bundledPackages(): Promise<BundledPackage[]> {
  const metas = await Promise.all(
    allTargets(false).map(async (t) => {
      const r = await build({ ...t, absWorkingDir: root, write: false, metafile: true, logLevel: 'silent' });
      return { bundle: String(t.outfile).replace(/^dist\//, '').replace(/\.(cjs|mjs|js)$/, ''), meta: r.metafile! };
    }),
  );
  const byKey = new Map<string, BundledPackage>();
  for (const [dir, bundles] of bundledDirs(metas)) {
    // Inputs inside a package's subfolder that has its own package.json (e.g. "type": "module"
    // markers) still belong to the package: packageDir already cut the path at the package root.
    if (!existsSync(join(root, dir, 'package.json'))) throw new Error(`${dir}: bundled, but has no package.json`);
    const p = readPackage(dir);
    const key = `${p.name}@${p.version}`;
    const seen = byKey.get(key);
    if (seen) seen.bundles = [...new Set([...seen.bundles, ...bundles])].sort();
    else byKey.set(key, { ...p, bundles: [...bundles].sort() });
  }
  return [...byKey.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
}

const RULE = '='.repeat(80);

export function renderNotices(pkgs: BundledPackage[]): string {
  const head = [
    'THIRD-PARTY NOTICES for nodemend',
    '',
    'nodemend is licensed under the Apache License 2.0 (LICENSE). Its bundles (the container',
    "image's backend.mjs; the VS Code extension's extension.cjs and webview.js; the kubectl plugin",
    'kubectl-nodemend) contain the following packages, each under its own licence, reproduced',
    'below from the package.',
    'GENERATED by `node scripts/release-notices.ts` from esbuild metafiles; do not edit.',
    '',
    ...pkgs.map((p) => `- ${p.name} ${p.version} (${p.license}), in ${p.bundles.join(', ')}`),
  ];
  const body = pkgs.map((p) =>
    [
      RULE,
      `${p.name} ${p.version} (${p.license})`,
      RULE,
      p.file ? p.file.text : `The package ships no licence file; its package.json declares the licence ${p.license}.`,
    ].join('\n'),
  );
  return [head.join('\n'), ...body].join('\n\n') + '\n';
}

if (import.meta.main) {
  const want = renderNotices(await bundledPackages());
  const rel = relative(process.cwd(), noticesPath);
  if (process.argv.includes('--check')) {
    const have = existsSync(noticesPath) ? readFileSync(noticesPath, 'utf8') : '';
    if (have !== want) {
      console.error(`${rel} is out of date: run node scripts/release-notices.ts`);
      process.exit(1);
    }
    console.log(`${rel} is up to date`);
  } else {
    writeFileSync(noticesPath, want);
    console.log(`wrote ${rel}`);
  }
}

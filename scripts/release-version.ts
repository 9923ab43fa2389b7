// package.json's "version" is nodemend's one version source. Every other file that must carry it
// (the chart, the image tag in deploy/, the Dockerfile's label default, the lock file) is listed in
// CARRIERS, read by the drift test (test/release/version.test.ts) and written by this script.
//   node scripts/release-version.ts            list each carrier and what it says; exit 1 on drift
//   node scripts/release-version.ts 0.2.0      set the version everywhere (deploy/nodemend.yaml
//                                              included) and turn CHANGELOG.md's Unreleased
//                                              section into "## [0.2.0] - <today>"
//   node scripts/release-version.ts --tag v0.2.0 [--notes FILE]
//                                              the release workflow's gate: the tag is v<version>,
//                                              nothing drifts, CHANGELOG.md has the release's
//                                              section (written to FILE as the release notes);
//                                              prints version=<version> for $GITHUB_OUTPUT
// The bundles, `--version`, the start-up log line and nodemend_build_info take the version from
// package.json at build time (scripts/build.ts); the release workflow passes it to the image build.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const IMAGE = 'ghcr.io/nodemend/nodemend';

/** One place that carries the version: a pattern whose group 1 is the version, expected `count` times. */
export interface Carrier {
  file: string;
  what: string;
  pattern: RegExp;
  count: number;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const img = new RegExp(`^\\s*image: ${esc(IMAGE)}:(\\S+)$`, 'gm');

export const CARRIERS: Carrier[] = [
  { file: 'package-lock.json', what: 'the lock file\'s own version (twice)', pattern: /^ {2}"version": "([^"]+)"|^ {6}"name": "nodemend",\n {6}"version": "([^"]+)"/gm, count: 2 },
  { file: 'charts/nodemend/Chart.yaml', what: 'chart version', pattern: /^version: (\S+)$/gm, count: 1 },
  { file: 'charts/nodemend/Chart.yaml', what: 'chart appVersion (the default image tag)', pattern: /^appVersion: "([^"]+)"$/gm, count: 1 },
  { file: 'deploy/base/agent-daemonset.yaml', what: 'agent image tag', pattern: img, count: 1 },
  { file: 'deploy/base/hub.yaml', what: 'hub image tag', pattern: img, count: 1 },
  { file: 'deploy/nodemend.yaml', what: 'image tags of the rendered install', pattern: img, count: 2 },
  { file: 'deploy/overlays/default/kustomization.yaml', what: 'the newTag of the example in its comment', pattern: /^#\s+newTag: (\S+)$/gm, count: 1 },
  { file: 'Dockerfile', what: 'the VERSION build argument (the image\'s version label)', pattern: /^ARG VERSION=(\S+)$/gm, count: 1 },
];

export function packageVersion(dir = root): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** What each carrier says: the versions found (a count other than the expected one is drift too). */
export function readCarriers(dir = root): { carrier: Carrier; found: string[] }[] {
  return CARRIERS.map((carrier) => {
    const text = readFileSync(join(dir, carrier.file), 'utf8');
    const found = [...text.matchAll(carrier.pattern)].map((m) => m[1] ?? m[2]);
    return { carrier, found };
  });
}

/** The carriers that disagree with package.json, as sentences naming the file and the fix. */
export function drift(dir = root): string[] {
  const want = packageVersion(dir);
  return readCarriers(dir).flatMap(({ carrier, found }) =>
    found.length === carrier.count && found.every((v) => v === want)
      ? []
      : [`${carrier.file}: ${carrier.what} says ${found.length ? found.join(', ') : 'nothing (pattern not found)'}${found.length !== carrier.count ? ` (${found.length} found, ${carrier.count} expected)` : ''}; package.json says ${want}. Run node scripts/release-version.ts ${want}`],
  );
}

/** Semantic Versioning 2.0.0, as Helm, npm and the Marketplace accept it. */
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;

/** Sets `version` in package.json and every carrier (the files under `dir`). */
export function setVersion(version: string, dir = root): void {
  if (!SEMVER.test(version)) throw new Error(`version ${JSON.stringify(version)} is not MAJOR.MINOR.PATCH[-PRERELEASE] (Semantic Versioning)`);
  const pj = join(dir, 'package.json');
  writeFileSync(pj, readFileSync(pj, 'utf8').replace(/^( {2}"version": )"[^"]+"/m, `$1"${version}"`));
  for (const c of CARRIERS) {
    const f = join(dir, c.file);
    const text = readFileSync(f, 'utf8').replace(c.pattern, (m, a?: string, b?: string) => m.replace(a ?? b ?? '', version));
    writeFileSync(f, text);
  }
}

/** CHANGELOG.md with its Unreleased section under `## [version] - date`, a new empty Unreleased above. */
export function releaseChangelog(text: string, version: string, date: string): string {
  if (new RegExp(`^## \\[${esc(version)}\\]`, 'm').test(text)) return text;
  if (!/^## \[Unreleased\]$/m.test(text)) throw new Error('CHANGELOG.md has no "## [Unreleased]" section');
  return text
    .replace(/^## \[Unreleased\]$/m, `## [Unreleased]\n\n## [${version}] - ${date}`)
    .replace(/^\[Unreleased\]: .*$/m, `[Unreleased]: https://github.com/nodemend/nodemend/compare/v${version}...HEAD\n[${version}]: https://github.com/nodemend/nodemend/releases/tag/v${version}`);
}

/** The section of CHANGELOG.md for `version` (the release notes), or undefined. */
export function changelogSection(text: string, version: string): string | undefined {
  const m = new RegExp(`^## \\[${esc(version)}\\] - \\d{4}-\\d{2}-\\d{2}\\n([\\s\\S]*?)(?=^## \\[|^\\[[^\\]]+\\]: )`, 'm').exec(text);
  return m?.[1].trim();
}

/** Why `tag` cannot be released from the tree in `dir` (empty when it can). */
export function tagErrors(tag: string, dir = root): string[] {
  const version = packageVersion(dir);
  const errors: string[] = [];
  if (tag !== `v${version}`) errors.push(`tag ${tag} is not v${version} (package.json's version); set the version with node scripts/release-version.ts <version>, commit, then tag v<version>`);
  errors.push(...drift(dir));
  if (!changelogSection(readFileSync(join(dir, 'CHANGELOG.md'), 'utf8'), version)) errors.push(`CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section with notes; node scripts/release-version.ts ${version} makes it from the Unreleased section`);
  return errors;
}

if (import.meta.main && process.argv[2] === '--tag') {
  const tag = process.argv[3] ?? '';
  const errors = tagErrors(tag);
  if (errors.length) {
    console.error(`release-version: cannot release ${tag}:\n  ${errors.join('\n  ')}`);
    process.exit(1);
  }
  const version = packageVersion();
  const notes = process.argv[4] === '--notes' ? process.argv[5] : undefined;
  if (notes) writeFileSync(notes, changelogSection(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version)! + '\n');
  console.log(`version=${version}`);
} else if (import.meta.main) {
  const arg = process.argv[2];
  if (!arg) {
    const want = packageVersion();
    console.log(`package.json: ${want}`);
    for (const { carrier, found } of readCarriers()) console.log(`${carrier.file}: ${carrier.what}: ${found.join(', ') || '(not found)'}`);
    const d = drift();
    for (const line of d) console.error(line);
    process.exit(d.length ? 1 : 0);
  }
  try {
    setVersion(arg);
  } catch (e) {
    console.error(`release-version: ${(e as Error).message}`);
    process.exit(2);
  }
  const cl = join(root, 'CHANGELOG.md');
  writeFileSync(cl, releaseChangelog(readFileSync(cl, 'utf8'), arg, new Date().toISOString().slice(0, 10)));
  const left = drift();
  if (left.length) {
    console.error(left.join('\n'));
    process.exit(1);
  }
  console.log(`version set to ${arg}; review CHANGELOG.md, commit, then tag v${arg}`);
}

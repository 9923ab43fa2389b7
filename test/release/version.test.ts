// package.json's version is the one version source: every carrier (scripts/release-version.ts)
// agrees with it, a carrier that drifts is named with the fix, the bump writes them all, and the
// release gate refuses a tag that is not v<version> or a CHANGELOG.md without the release's notes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CARRIERS, changelogSection, drift, packageVersion, readCarriers, releaseChangelog, root, setVersion, tagErrors } from '../../scripts/release-version.ts';

/** A scratch copy of package.json, CHANGELOG.md and every carrier. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-version-'));
  for (const f of ['package.json', 'CHANGELOG.md', ...CARRIERS.map((c) => c.file)]) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
  return dir;
}

test('every carrier of the version agrees with package.json', () => {
  assert.deepEqual(drift(), []);
  const v = packageVersion();
  const files = new Set(readCarriers().map((r) => r.carrier.file));
  // What issue 19 names: the chart (version and appVersion), the image tag in deploy/, the Dockerfile label.
  for (const f of ['charts/nodemend/Chart.yaml', 'deploy/base/agent-daemonset.yaml', 'deploy/base/hub.yaml', 'deploy/nodemend.yaml', 'Dockerfile', 'package-lock.json']) assert.ok(files.has(f), f);
  for (const { carrier, found } of readCarriers()) assert.deepEqual(found, Array(carrier.count).fill(v), carrier.file);
  // The Dockerfile's label is the VERSION argument the carrier checks.
  assert.match(readFileSync(join(root, 'Dockerfile'), 'utf8'), /^\s+org\.opencontainers\.image\.version="\$\{VERSION\}"/m);
});

test('a drifting carrier is named, with the command that fixes it', () => {
  const dir = scratch();
  try {
    const chart = join(dir, 'charts/nodemend/Chart.yaml');
    writeFileSync(chart, readFileSync(chart, 'utf8').replace(/^appVersion: .*$/m, 'appVersion: "9.9.9"'));
    const hub = join(dir, 'deploy/base/hub.yaml');
    writeFileSync(hub, readFileSync(hub, 'utf8').replace(/(image: ghcr\.io\/nodemend\/nodemend):\S+/, '$1:latest'));
    const d = drift(dir);
    assert.equal(d.length, 2, d.join('\n'));
    assert.match(d[0], /^charts\/nodemend\/Chart\.yaml: chart appVersion .* says 9\.9\.9; package\.json says .*Run node scripts\/release-version\.ts /);
    assert.match(d[1], /^deploy\/base\/hub\.yaml: hub image tag says latest/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('setting a version writes every carrier; a version that is not semver is refused', () => {
  const dir = scratch();
  try {
    setVersion('1.2.3-rc.1', dir);
    assert.equal(packageVersion(dir), '1.2.3-rc.1');
    assert.deepEqual(drift(dir), []);
    assert.match(readFileSync(join(dir, 'deploy/nodemend.yaml'), 'utf8'), /image: ghcr\.io\/nodemend\/nodemend:1\.2\.3-rc\.1$/m);
    // Nothing else in the lock file moved (a dependency's version is not the project's).
    const before = readFileSync(join(root, 'package-lock.json'), 'utf8').split('\n');
    const after = readFileSync(join(dir, 'package-lock.json'), 'utf8').split('\n');
    assert.equal(after.filter((l, i) => l !== before[i]).length, 2);
    assert.throws(() => setVersion('v2', dir), /not MAJOR\.MINOR\.PATCH/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the release gate: the tag is v<version> and CHANGELOG.md has the release section (its notes)', () => {
  const dir = scratch();
  try {
    const v = packageVersion(dir);
    assert.match(tagErrors(`v${v}`, dir).join('\n'), new RegExp(`CHANGELOG\\.md has no "## \\[${v.replace(/\./g, '\\.')}\\]`));
    const cl = join(dir, 'CHANGELOG.md');
    const released = releaseChangelog(readFileSync(cl, 'utf8'), v, '2026-12-06');
    writeFileSync(cl, released);
    assert.deepEqual(tagErrors(`v${v}`, dir), []);
    assert.match(tagErrors('v99.0.0', dir)[0], /tag v99\.0\.0 is not v/);
    assert.match(released, /^## \[Unreleased\]\n\n## \[.*\] - 2026-12-06\n/m);
    assert.match(changelogSection(released, v) ?? '', /^### Added\n\n- The agent/);
    assert.equal(releaseChangelog(released, v, '2027-01-01'), released, 'releasing twice changes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The release pipeline is code that cannot run here (it needs GitHub's runners, a registry and the
// Marketplace), so it is checked as code: actionlint (built from its Go module by
// scripts/release-actionlint.sh, with shellcheck for every `run:` script) finds nothing in
// .github/workflows, and the workflows do what issue 19 asks of them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { repoRoot } from '../../tools/harness/binaries.ts';

const workflows = join(repoRoot, '.github/workflows');
const files = readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f)).sort();
const actionlint = execFileSync('bash', [join(repoRoot, 'scripts/release-actionlint.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;

function lint(cwd: string, paths: string[]) {
  return spawnSync(actionlint, ['-no-color', '-oneline', '-shellcheck', 'shellcheck', ...paths], { cwd, encoding: 'utf8', timeout: 120_000 });
}

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { needs?: string | string[]; permissions?: Record<string, string>; steps: Step[] }
interface Workflow { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> }
const load = (f: string) => loadYaml<Workflow>(readFileSync(join(workflows, f), 'utf8'));
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

test('actionlint (with shellcheck) finds nothing in .github/workflows', () => {
  assert.deepEqual(files, ['ci.yml', 'release.yml']);
  const r = lint(repoRoot, files.map((f) => join('.github/workflows', f)));
  assert.equal(r.status, 0, `actionlint:\n${r.stdout}${r.stderr}`);
});

test('actionlint fails a workflow with the mistakes it is there to catch (so the check above can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-actionlint-'));
  try {
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    // A pull request's title spliced into a shell script, an input the action does not have, a
    // job that needs a job that is not there, and an unquoted variable (shellcheck's SC2086).
    writeFileSync(join(dir, '.github/workflows/bad.yml'), [
      'on: pull_request',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    needs: nothere',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          no-such-input: true',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - run: ls $HOME/x*',
      '',
    ].join('\n'));
    const r = lint(dir, ['.github/workflows/bad.yml']);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    for (const want of [/github\.event\.pull_request\.title.*potentially untrusted/, /no-such-input/, /nothere/, /SC2086/]) assert.match(r.stdout, want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ci.yml runs .ci/run on every pull request, read-only', () => {
  const w = load('ci.yml');
  assert.ok('pull_request' in w.on);
  assert.deepEqual(w.permissions, { contents: 'read' });
  assert.ok(steps(w).some((s) => s.run?.includes('bash .ci/run')));
});

test('release.yml: a tag gates on the version and the suite, then builds multi-arch, signs, attests, pins by digest, publishes', () => {
  const w = load('release.yml');
  assert.deepEqual(w.on, { push: { tags: ['v*'] } });
  assert.deepEqual(w.permissions, {}, 'no job gets a permission it does not name');
  const { gate, image, manifests, extension } = w.jobs;
  assert.ok(gate.steps.some((s) => s.run?.includes('scripts/release-version.ts --tag "$GITHUB_REF_NAME"')), 'the tag must be v<package.json version>');
  assert.ok(gate.steps.some((s) => s.run?.includes('bash .ci/run')), 'the whole suite runs before anything is published');

  assert.equal(image.needs, 'gate');
  const build = image.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
  assert.ok(build, 'the image is built by buildx from the Dockerfile');
  const platforms = String(build.with!.platforms).split(',');
  for (const p of ['linux/amd64', 'linux/arm64']) assert.ok(platforms.includes(p), `builds ${p}`);
  assert.equal(build.with!.sbom, true);
  assert.match(String(build.with!.provenance), /mode=max/);
  for (const arg of ['VERSION=', 'COMMIT=', 'CREATED=']) assert.match(String(build.with!['build-args']), new RegExp(`^${arg}`, 'm'), `passes the ${arg.slice(0, -1)} build argument (the OCI labels)`);
  assert.ok(image.steps.some((s) => /^cosign sign --yes "\$IMAGE@\$DIGEST"$/.test(s.run ?? '')), 'signs the pushed digest with cosign');
  assert.ok(image.steps.some((s) => /^cosign attest .*--type spdxjson/.test(s.run ?? '')), 'attests an SPDX SBOM');
  assert.equal(image.permissions!['id-token'], 'write', 'keyless signing needs the OIDC token');

  assert.deepEqual(manifests.needs, ['gate', 'image']);
  assert.ok(manifests.steps.some((s) => s.run?.includes('scripts/release-render.ts --image "$IMAGE" --digest "$DIGEST"')), 'renders with the pushed digest');
  const release = manifests.steps.find((s) => s.run?.includes('gh release create'))?.run ?? '';
  assert.match(release, /dist\/release\/\*/, 'the pinned manifests and chart are release assets');
  assert.match(release, /dist\/krew\/kubectl-nodemend\.tar\.gz/, 'the archive the Krew manifest points at is a release asset');
  const ext = extension.steps.map((s) => s.run ?? '').join('\n');
  assert.match(ext, /cp dist\/release\/nodemend\.yaml deploy\/nodemend\.yaml[\s\S]*vsce package/, 'the .vsix carries the digest-pinned manifest');
  assert.match(ext, /vsce publish/);
  assert.match(ext, /ovsx@[\d.]+ publish/);
});

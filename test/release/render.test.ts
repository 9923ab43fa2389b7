// The release's render step (scripts/release-render.ts) against the image this project builds
// (scripts/image.sh, podman): every manifest of every overlay and the packaged chart name exactly
// <repository>@<digest of that image>, the digest really names the built image, and the real API
// server accepts the rendered install (server-side dry run).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { helmBin, repoRoot } from '../../tools/harness/binaries.ts';
import { OVERLAYS } from '../../deploy/render.ts';
import { assertPinned, imagesIn, pinValues, render, validate } from '../../scripts/release-render.ts';
import { packageVersion } from '../../scripts/release-version.ts';

const REPO = 'localhost/nodemend';
let c: TestCluster;
let out: string;
let digest: string;

const sh = (args: string[]) => execFileSync('bash', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 }).trim();

/** Every container image of every workload in a YAML stream (parsed, not grepped). */
function containerImages(yaml: string): string[] {
  return (k8s.loadAllYaml(yaml) as k8s.KubernetesObject[]).filter(Boolean).flatMap((o) => {
    const spec = (o as { spec?: { template?: { spec?: k8s.V1PodSpec } } }).spec?.template?.spec;
    return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((ct) => ct.image ?? '');
  });
}

before(async () => {
  // The image the project builds (cached by its inputs), and the digest podman gives it.
  const dir = sh([join(repoRoot, 'scripts/image.sh')]).split('\n').pop()!;
  const ref = readFileSync(join(dir, 'ref'), 'utf8').trim();
  digest = sh([join(repoRoot, 'scripts/image.sh'), 'podman', 'image', 'inspect', '--format', '{{.Digest}}', ref]);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  out = mkdtempSync(join(tmpdir(), 'nodemend-release-render-'));
  c = await startCluster();
  await c.ensureNamespace('nodemend');
}, { timeout: 1_800_000 });

after(async () => {
  await c?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

test('input errors name the flag and the fix; a tag or another image fails the pin check', () => {
  assert.deepEqual(validate({ image: REPO, digest: 'sha256:' + 'a'.repeat(64), out }), []);
  assert.match(validate({ image: REPO, out }).join(), /--digest is required/);
  assert.match(validate({ image: REPO, digest: 'sha256:ABC', out }).join(), /--digest=sha256:ABC: expected sha256: followed by 64 lower-case hex/);
  assert.match(validate({ image: `${REPO}:1.0`, digest: 'sha256:' + 'a'.repeat(64), out }).join(), /--image=localhost\/nodemend:1\.0: expected a repository without tag or digest/);
  const want = `${REPO}@sha256:${'a'.repeat(64)}`;
  assert.throws(() => assertPinned('x.yaml', `      image: ${REPO}:0.1.0\n      image: ${want}\n`, want), /x\.yaml: image\(s\) localhost\/nodemend:0\.1\.0 are not/);
  assert.throws(() => assertPinned('x.yaml', 'kind: ConfigMap\n', want), /names no image at all/);
  // values.yaml: only the image block changes.
  const values = readFileSync(join(repoRoot, 'charts/nodemend/values.yaml'), 'utf8');
  const pinned = pinValues(values, { image: REPO, digest: 'sha256:' + 'a'.repeat(64) });
  const changed = pinned.split('\n').filter((l, i) => l !== values.split('\n')[i]);
  assert.deepEqual(changed, [`  repository: "${REPO}"`, `  digest: "sha256:${'a'.repeat(64)}"`]);
});

test('every overlay and the chart are pinned to the built image by digest; the digest names that image', { timeout: 600_000 }, async () => {
  const want = `${REPO}@${digest}`;
  const r = render({ image: REPO, digest, out });
  assert.deepEqual(Object.keys(r.files).sort(), OVERLAYS.map((o) => (o === 'default' ? 'nodemend.yaml' : `nodemend-${o}.yaml`)).sort());
  for (const [name, yaml] of Object.entries(r.files)) {
    const images = containerImages(yaml);
    assert.ok(images.length >= 2, `${name}: the agent and the hub`);
    assert.deepEqual([...new Set(images)], [want], name);
    assert.deepEqual([...new Set(imagesIn(yaml))], [want], `${name}: no other image: field`);
    assert.equal(readFileSync(join(out, name), 'utf8'), yaml);
  }
  assert.equal(r.chart, join(out, `nodemend-${packageVersion()}.tgz`));
  const helm = join(helmBin(), 'helm');
  const chartYaml = execFileSync(helm, ['template', 'nodemend', r.chart, '--namespace', 'nodemend'], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.deepEqual([...new Set(containerImages(chartYaml))], [want], 'the packaged chart');
  // The chart's own values hold the digest (helm --set image.digest gives the same).
  const setYaml = execFileSync(helm, ['template', 'nodemend', join(repoRoot, 'charts/nodemend'), '--namespace', 'nodemend', '--set', `image.repository=${REPO}`, '--set', `image.digest=${digest}`], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.deepEqual([...new Set(containerImages(setYaml))], [want], 'helm --set image.digest');
  // The reference resolves to the image scripts/image.sh built.
  execFileSync('bash', [join(repoRoot, 'scripts/image.sh'), 'podman', 'image', 'exists', want], { stdio: 'inherit' });

  // The real API server accepts what would be applied (server-side dry run: admission and schema, nothing stored).
  for (const [name, file] of [['nodemend.yaml', join(out, 'nodemend.yaml')]] as const) {
    const res = await c.kubectl(['apply', '--server-side', '--dry-run=server', '-f', file]);
    assert.equal(res.code, 0, `${name}: ${res.stderr}`);
    assert.match(res.stdout, /daemonset\.apps\/nodemend-agent serverside-applied \(server dry run\)/);
  }
  const res = await c.kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], { input: chartYaml });
  assert.equal(res.code, 0, `the chart: ${res.stderr}`);
});

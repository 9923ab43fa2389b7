import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { FILES, pack, renderManifest } from './krew/render.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const TEMPLATE = readFileSync(join(ROOT, 'cli/krew/nodemend.yaml'), 'utf8');
const SHA = 'ab'.repeat(32);

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: { version: string; platforms: { uri: string; sha256: string; bin: string; files: { from: string; to: string }[] }[] };
}

test('the manifest names the plugin, the version, the archive and its files', () => {
  const m = loadYaml<Manifest>(renderManifest(TEMPLATE, '1.2.3', SHA));
  assert.equal(m.kind, 'Plugin');
  assert.equal(m.metadata.name, 'nodemend');
  assert.equal(m.spec.version, 'v1.2.3');
  const [p] = m.spec.platforms;
  assert.equal(p.uri, 'https://github.com/nodemend/nodemend/releases/download/v1.2.3/kubectl-nodemend.tar.gz');
  assert.equal(p.sha256, SHA);
  assert.equal(p.bin, 'kubectl-nodemend');
  assert.deepEqual(p.files.map((f) => f.from).sort(), [...FILES].sort());
  assert.throws(() => renderManifest(TEMPLATE, 'latest', SHA), /not semver/);
  assert.throws(() => renderManifest(TEMPLATE, '1.2.3', 'x'), /64 hex/);
});

test('pack: the archive holds the built files and the manifest carries its sha256', { skip: !existsSync(join(ROOT, 'dist/kubectl-nodemend')) && 'dist/kubectl-nodemend is not built (./dev build)' }, () => {
  const out = mkdtempSync(join(tmpdir(), 'nodemend-krew-test-'));
  try {
    const r = pack(out);
    assert.equal(r.sha256, createHash('sha256').update(readFileSync(r.archive)).digest('hex'));
    assert.equal(loadYaml<Manifest>(readFileSync(r.manifest, 'utf8')).spec.platforms[0].sha256, r.sha256);
    const listing = execFileSync('tar', ['-tvzf', r.archive], { encoding: 'utf8' });
    for (const f of FILES) assert.match(listing, new RegExp(`${f}$`, 'm'));
    assert.match(listing, /^-rwxr-xr-x .* kubectl-nodemend$/m);
    // The same inputs give the same bytes (a manifest's sha256 can be checked by rebuilding).
    assert.equal(pack(out).sha256, r.sha256);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

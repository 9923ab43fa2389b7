// THIRD_PARTY_NOTICES is what scripts/release-notices.ts generates from the bundles' esbuild
// metafiles: this fails when a dependency is added, removed or updated without regenerating it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bundledDirs, bundledPackages, noticesPath, packageDir, renderNotices } from '../../scripts/release-notices.ts';

test('package directories from metafile inputs: scoped, nested (the innermost wins), and not ours', () => {
  assert.equal(packageDir('node_modules/ws/lib/websocket.js'), 'node_modules/ws');
  assert.equal(packageDir('node_modules/@kubernetes/client-node/dist/index.js'), 'node_modules/@kubernetes/client-node');
  assert.equal(packageDir('node_modules/a/node_modules/@s/b/x.js'), 'node_modules/a/node_modules/@s/b');
  assert.equal(packageDir('backend/main.ts'), undefined);
  const dirs = bundledDirs([
    { bundle: 'backend', meta: { inputs: { 'node_modules/ws/a.js': { bytes: 1, imports: [] }, 'backend/main.ts': { bytes: 1, imports: [] } }, outputs: {} } },
    { bundle: 'extension', meta: { inputs: { 'node_modules/ws/b.js': { bytes: 1, imports: [] } }, outputs: {} } },
  ]);
  assert.deepEqual([...dirs].map(([d, b]) => [d, [...b]]), [['node_modules/ws', ['backend', 'extension']]]);
});

test('THIRD_PARTY_NOTICES is up to date with the packages the bundles contain', async () => {
  const pkgs = await bundledPackages();
  const names = pkgs.map((p) => p.name);
  // The runtime dependencies the code imports are in it; a dev tool is not.
  for (const n of ['@kubernetes/client-node', 'prom-client', 'ws', 'lit', 'croner', 'luxon', 'nodemailer']) assert.ok(names.includes(n), `${n} is bundled`);
  for (const n of ['esbuild', 'typescript', '@vscode/vsce', 'fast-check']) assert.ok(!names.includes(n), `${n} is not bundled`);
  for (const p of pkgs) assert.ok(p.file || p.license !== 'UNKNOWN', `${p.name}: neither a licence file nor a declared licence`);
  const want = renderNotices(pkgs);
  const have = readFileSync(noticesPath, 'utf8');
  assert.ok(have === want, 'THIRD_PARTY_NOTICES is out of date: run node scripts/release-notices.ts');
});

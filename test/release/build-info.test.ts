// Which build runs, as the shipped bundle (dist/backend.mjs, stamped by scripts/build.ts) says it:
// `--version` of the program and both commands, then a real agent and a real hub against a real
// API server, each logging its version and commit at start and exporting nodemend_build_info.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, freePort, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { packageVersion, root } from '../../scripts/release-version.ts';

const BUNDLE = join(root, 'dist/backend.mjs');
const version = packageVersion();
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The answer of --version; its commit is git's (40 hex, -dirty when the tree had changes). */
const VERSION_LINE = new RegExp(`^nodemend ${esc(version)} \\(commit ([0-9a-f]{40}(?:-dirty)?), node ${esc(process.version)}\\)\\n$`);

let c: TestCluster;
let dir: string;
const procs: ChildProcess[] = [];

function start(args: string[]): { proc: ChildProcess; log: () => string } {
  let log = '';
  const proc = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  procs.push(proc);
  return { proc, log: () => log };
}

/** The commit the bundle was stamped with, from its own --version. */
function bundleCommit(): string {
  const r = spawnSync(process.execPath, [BUNDLE, '--version'], { encoding: 'utf8', timeout: 30_000 });
  return VERSION_LINE.exec(r.stdout)?.[1] ?? assert.fail(`--version said ${JSON.stringify(r.stdout)} ${r.stderr}`);
}

before(async () => {
  assert.ok(existsSync(BUNDLE), 'dist/backend.mjs is built (the suite bundles before the tests)');
  dir = mkdtempSync(join(tmpdir(), 'nodemend-build-info-'));
  c = await startCluster();
  await c.addNodes(1, { prefix: 'bi' });
  await c.ensureNamespace('nodemend');
}, { timeout: 120_000 });

after(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('--version of the program, the agent and the hub: the version of package.json and the commit', () => {
  for (const args of [['--version'], ['agent', '--version'], ['hub', '--version']]) {
    const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, VERSION_LINE, `nodemend ${args.join(' ')}`);
  }
});

test('the bundled agent logs its version and commit at start and exports nodemend_build_info', { timeout: 120_000 }, async () => {
  const commit = bundleCommit();
  const port = await freePort();
  const a = start(['agent', '--node-id=bi-0', `--kubeconfig=${c.kubeconfigPath}`, `--reboot-sentinel=${join(dir, 'reboot-required')}`, '--dry-run=true', '--period=2s', '--metrics-host=127.0.0.1', `--metrics-port=${port}`]);
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await waitFor('agent metrics', async () => (await metrics().catch(() => '')).includes('nodemend_build_info'), 60_000).catch((e) => assert.fail(`${e}\n${a.log()}`));
  assert.ok((await metrics()).includes(`nodemend_build_info{component="agent",version="${version}",commit="${commit}"} 1`), await metrics());
  const first = JSON.parse(a.log().split('\n')[0]) as Record<string, unknown>;
  assert.equal(first.msg, 'nodemend agent starting', 'the first line says which build starts');
  assert.equal(first.version, version);
  assert.equal(first.commit, commit);
});

test('the bundled hub logs its version and commit at start and exports nodemend_build_info', { timeout: 120_000 }, async () => {
  const commit = bundleCommit();
  const port = await freePort();
  const h = start(['hub', `--kubeconfig=${c.kubeconfigPath}`, `--listen=127.0.0.1:${port}`, '--listen-trusted=off', '--auth=none']);
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await waitFor('hub metrics', async () => (await metrics().catch(() => '')).includes('nodemend_build_info'), 60_000).catch((e) => assert.fail(`${e}\n${h.log()}`));
  assert.ok((await metrics()).includes(`nodemend_build_info{component="hub",version="${version}",commit="${commit}"} 1`), await metrics());
  const started = h.log().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'hub started');
  assert.ok(started, h.log());
  assert.equal(started.version, version);
  assert.equal(started.commit, commit);
});

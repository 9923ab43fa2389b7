// The shipped artifact, not the sources: dist/backend.mjs (minified by scripts/build.ts, as the
// image runs it) with the DaemonSet's NODE_OPTIONS runs a real agent against a real API server.
// The other integration tests run the TypeScript sources; a bundling mistake (a dependency that
// needs its file layout, a name minification broke) would otherwise only show in a cluster.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, freePort, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { A, parseState } from '../../protocol/annotations.ts';

const BUNDLE = fileURLToPath(new URL('../../dist/backend.mjs', import.meta.url));
const DAEMONSET = fileURLToPath(new URL('../../deploy/base/agent-daemonset.yaml', import.meta.url));

let c: TestCluster;
let dir: string;
let agent: ChildProcess | undefined;
let log = '';

/** NODE_OPTIONS as the DaemonSet sets it (so this runs what a node runs). */
function daemonSetNodeOptions(): string {
  const m = /name: NODE_OPTIONS\s+value: "?([^"\n]*)"?/.exec(readFileSync(DAEMONSET, 'utf8'));
  assert.ok(m, 'the DaemonSet sets NODE_OPTIONS');
  return m[1].trim();
}

before(async () => {
  assert.ok(existsSync(BUNDLE), 'dist/backend.mjs is built (the suite bundles before the tests)');
  dir = mkdtempSync(join(tmpdir(), 'nodemend-bundle-'));
  c = await startCluster();
  await c.addNodes(1, { prefix: 'bu' });
  await c.ensureNamespace('nodemend');
}, { timeout: 120_000 });

after(async () => {
  agent?.kill('SIGKILL');
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('dist/backend.mjs is ASCII: V8 keeps its source at one byte per character', () => {
  // One character above U+00FF (a Greek mu in a raw template, which esbuild keeps as written)
  // makes V8 hold the whole source text at two bytes per character: about 2.8 MiB more per agent.
  const src = readFileSync(BUNDLE, 'utf8');
  const at = src.search(/[^\x00-\x7f]/);
  assert.equal(at, -1, `non-ASCII at ${at}: ${JSON.stringify(src.slice(Math.max(0, at - 40), at + 40))}`);
});

test('dist/backend.mjs --help works for both commands', () => {
  for (const cmd of ['agent', 'hub']) {
    const r = spawnSync(process.execPath, [BUNDLE, cmd, '--help'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`usage: nodemend ${cmd}`));
  }
});

test('the bundled agent publishes its state, serves /metrics, sees the sentinel, and stops on SIGTERM', { timeout: 120_000 }, async () => {
  const sentinel = join(dir, 'reboot-required');
  const port = await freePort();
  agent = spawn(process.execPath, [BUNDLE, 'agent', '--node-id=bu-0', `--kubeconfig=${c.kubeconfigPath}`, `--reboot-sentinel=${sentinel}`, '--dry-run=true', '--period=2s', '--metrics-host=127.0.0.1', `--metrics-port=${port}`], {
    env: { ...process.env, NODE_OPTIONS: daemonSetNodeOptions() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agent.stdout!.on('data', (d) => (log += d));
  agent.stderr!.on('data', (d) => (log += d));
  const state = async () => parseState((await c.core.readNode({ name: 'bu-0' })).metadata?.annotations?.[A.state]);
  await waitFor('state published', async () => (await state())?.phase === 'healthy', 60_000).catch((e) => assert.fail(`${e}\n${log}`));
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^nodemend_/m);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  writeFileSync(sentinel, '');
  await waitFor('reboot required seen', async () => (await state())?.rebootRequired === true, 30_000).catch((e) => assert.fail(`${e}\n${log}`));
  assert.ok(!(await c.core.readNode({ name: 'bu-0' })).spec?.unschedulable, 'a dry run never cordons');
  const exited = new Promise<number | null>((r) => agent!.once('exit', (code) => r(code)));
  agent.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 15 s'), 15_000))]);
  assert.equal(code, 0, log);
  agent = undefined;
});

// The extension in a real VS Code steering real agents: nodemend deployed from deploy/nodemend.yaml
// (agent DaemonSet, documented roles, the admission policy that keeps requesters to annotations),
// simulated machines each running the real agent against the real API server (backend/agent/sim),
// the real hub, and VS Code working as the operator. What a person asks for in VS Code happens to
// the nodes: a scheduled reboot reboots the node, a block holds it, and a rolling reboot is
// followed live in the tree, never more than one node disrupted at a time.

import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { A, parseHistory, parseState } from '../../protocol/annotations.ts';
import type { HubHandle } from '../../backend/hub/main.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { applyManifests } from '../../extension/kube/deploy.ts';
import { planManifests } from '../../extension/kube/manifests.ts';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { startCodeServer, type CodeServer } from './support/code-server.ts';
import { startHub } from './support/hub.ts';
import { packageVsix } from './support/package.ts';
import { ADMIN, OPERATOR, writeKubeconfig } from './support/users.ts';
import { afterShot, eventually, shot } from './support/shots.ts';
import { Workbench } from './support/workbench.ts';

const NS = 'nodemend';
const ROOT = new URL('../../', import.meta.url).pathname;
const NODES = ['r-0', 'r-1', 'r-2', 'r-3'];

let c: TestCluster;
let fleet: SimFleet;
let hub: HubHandle;
let cs: CodeServer;
let wb: Workbench;
let dir: string;

const read = (n: string) => c.kc.makeApiClient(k8s.CoreV1Api).readNode({ name: n });
const history = async (n: string) => parseHistory((await read(n)).metadata?.annotations?.[A.history]);
const phase = async (n: string) => parseState((await read(n)).metadata?.annotations?.[A.state])?.phase;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-e2e-rollout-'));
  const vsix = packageVsix();
  c = await startCluster();
  await c.addNodes(NODES.length, { prefix: 'r', zones: ['a', 'b'] });
  const kubeconfig = await writeKubeconfig(c.kc, dir, [OPERATOR, ADMIN]);
  const plan = planManifests(new Map([['nodemend.yaml', readFileSync(join(ROOT, 'deploy/nodemend.yaml'), 'utf8')]]));
  assert.ok(plan.ok, plan.ok ? '' : plan.error);
  const applied = await applyManifests(c.kc, 'admin', plan.objects, () => {});
  assert.ok(applied.ok, applied.ok ? '' : applied.error);
  fleet = await SimFleet.start(NODES, { kubeconfigPath: c.kubeconfigPath, dir: join(dir, 'machines'), rebootMs: 2000, flags: ['--period=2s'], evictionRetryMs: 500 });
  hub = await startHub(c.kubeconfigPath, NS);
  cs = await startCodeServer({ vsix: await vsix, settings: { 'nodemend.kubeconfig': kubeconfig, 'nodemend.hub.mode': 'url', 'nodemend.hub.url': `ws://127.0.0.1:${hub.port}/stream` } });
  wb = await Workbench.open(cs.url);
  await wb.approveHub(`ws://127.0.0.1:${hub.port}/stream`);
  await wb.openView('nodemend');
  await wb.widenSidebar(520);
  await wb.waitRow('Healthy,', /^Healthy, 4 nodes$/, 60_000);
  await wb.expand('Healthy,');
  await wb.waitRow('r-0,', /^r-0, healthy$/);
});

afterEach(async (t) => {
  await wb?.screenshot(afterShot('rollout-after', t.name)).catch(() => {});
});

after(async () => {
  await wb?.close();
  await cs?.stop();
  await hub?.stop();
  await fleet?.stop();
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Samples the tree rows every 200 ms until `done`; returns every sample. */
async function watchTree(done: () => Promise<boolean>, timeoutMs: number, onSample?: (rows: string[]) => Promise<void>): Promise<string[][]> {
  const samples: string[][] = [];
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    samples.push(await wb.rowLabels());
    await onSample?.(samples[samples.length - 1]);
    if (await done()) return samples;
    await sleep(200);
  }
  throw new Error(`timed out; last rows: ${samples.at(-1)?.join(' | ')}`);
}

test('Schedule Reboot from the command palette: the node is drained, rebooted and back, live in the tree', async () => {
  const bootBefore = (await read('r-1')).status?.nodeInfo?.bootID;
  await wb.runCommand('nodemend: Schedule Reboot');
  await wb.pickMany(['r-1']);
  await wb.pickOne('Now, inside the reboot window');
  await wb.notification(/Reboot scheduled for r-1/);
  const t0 = Date.now();
  const samples = await watchTree(async () => (await history('r-1'))[0]?.outcome === 'succeeded', 90_000);
  const seen = new Set(samples.flat().filter((l) => l.startsWith('r-1, ')).map((l) => l.slice(5).split(' · ')[0]));
  assert.ok(['draining', 'rebooting', 'verifying after reboot'].some((p) => seen.has(p)), `the tree showed r-1 going through the reboot: ${[...seen].join(', ')}`);
  assert.notEqual((await read('r-1')).status?.nodeInfo?.bootID, bootBefore, 'a new boot');
  await wb.waitRow('r-1,', /^r-1, healthy · rebooted /, 30_000);
  // The request was acted on and cleared by the agent.
  assert.equal((await read('r-1')).metadata?.annotations?.[A.rebootAfter], undefined);
  console.log(`# schedule -> rebooted and healthy in ${Date.now() - t0} ms; phases seen in the tree: ${[...seen].join(' > ')}`);
});

test('Block Reboots holds a node that needs a reboot; Unblock lets the reboot go', async () => {
  await wb.runCommand('nodemend: Block Reboots');
  await wb.pickOne('Some nodes');
  await wb.pickMany(['r-2']);
  await wb.type('database migration', true, /Block Reboots: why\?/);
  await wb.type('', true, /until when\?/);
  await wb.notification(/Reboots blocked for r-2 until unblocked/);
  fleet.requireReboot(['r-2']);
  // The row says who holds it (a person, not a workload) and the person's reason.
  await wb.waitRow('r-2,', /^r-2, blocked by a person · database migration/, 30_000);
  await wb.screenshot(shot('rollout-blocked.png'));
  // Several agent periods: still no reboot, no lock.
  await sleep(8000);
  assert.equal((await history('r-2')).length, 0, 'no reboot while blocked');
  assert.equal(await phase('r-2'), 'blocked');

  await wb.runCommand('nodemend: Unblock Reboots');
  await wb.pickMany(['r-2']);
  await wb.notification(/Block removed for r-2/);
  await eventually('r-2 rebooted after unblock', async () => (await history('r-2'))[0]?.outcome === 'succeeded', 90_000);
  await wb.waitRow('r-2,', /^r-2, healthy · rebooted /, 30_000);
});

test('a rolling reboot of the rest: the tree follows it live, never more than one node disrupted', async () => {
  const rest = ['r-0', 'r-3'];
  fleet.requireReboot(rest);
  let pictured = false;
  const samples = await watchTree(
    async () => (await Promise.all(rest.map(history))).every((x) => x[0]?.outcome === 'succeeded'),
    150_000,
    async (rows) => {
      // One picture of the tree mid-rollout, for the docs.
      if (!pictured && rows.some((l) => /^r-\d, rebooting/.test(l))) {
        pictured = true;
        await wb.screenshot(shot('rollout-live.png'));
      }
    },
  );
  for (const s of samples) {
    const disrupted = s.filter((l) => /^r-\d, (draining|rebooting|verifying after reboot)/.test(l));
    assert.ok(disrupted.length <= 1, `at most one node disrupted at once (concurrency 1): ${disrupted.join(' | ')}`);
  }
  for (const n of rest) {
    assert.ok(samples.some((s) => s.some((l) => l.startsWith(`${n}, `) && /draining|rebooting|verifying/.test(l))), `${n} seen in the tree while it rebooted`);
  }
  await wb.waitRow('Healthy,', /^Healthy, 4 nodes$/, 30_000);
  await wb.screenshot(shot('rollout-done.png'));
});

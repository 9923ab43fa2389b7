// The agent end to end against a real API server, on simulated machines: a sentinel file leads to
// lock, cordon, drain, reboot (NotReady, new boot ID), a fresh agent's recovery, uncordon, history
// and release; a node a person cordoned stays cordoned; malformed requests give a Warning Event
// naming the annotation. Numbers (sentinel to lock, memory of one agent) are printed at the end.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { A, parseHistory, parseState } from '../../protocol/annotations.ts';

let c: TestCluster;
let fleet: SimFleet;
let nodes: string[];
let dir: string;
const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-agent-'));
  c = await startCluster();
  nodes = await c.addNodes(4, { prefix: 'r' });
  await c.addPod({ namespace: 'default', name: 'web', node: nodes[0], owner: 'ReplicaSet' });
  fleet = await SimFleet.start(nodes, { kubeconfigPath: c.kubeconfigPath, dir, rebootMs: 1500, flags: ['--period=5s'] });
}, { timeout: 240_000 });

after(async () => {
  await fleet?.stop();
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function node(name: string): Promise<k8s.V1Node> {
  return c.core.readNode({ name });
}
async function annotate(name: string, a: Record<string, string | null>): Promise<void> {
  await c.core.patchNode({ name, body: { metadata: { annotations: a } } }, merge());
}
async function events(name: string): Promise<k8s.CoreV1Event[]> {
  const l = await c.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name},involvedObject.kind=Node` });
  return l.items;
}
async function leaseHolders(): Promise<string[]> {
  const coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  const l = await coord.listNamespacedLease({ namespace: 'nodemend' });
  return l.items.filter((x) => x.metadata!.name!.startsWith('nodemend-lock-') && x.spec?.holderIdentity).map((x) => x.spec!.holderIdentity!);
}
const phase = async (name: string) => parseState((await node(name)).metadata?.annotations?.[A.state])?.phase;

test('sentinel -> lock -> cordon -> drain -> reboot -> recovery -> uncordon -> history -> release', { timeout: 120_000 }, async () => {
  const n = nodes[0];
  const before = (await node(n)).status!.nodeInfo!.bootID!;
  const podsBefore = (await c.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.map((p) => p.metadata!.name!);
  assert.equal(podsBefore.length, 1);
  await waitFor(`${n} healthy`, async () => (await phase(n)) === 'healthy', 30_000);
  const t0 = Date.now();
  fleet.requireReboot([n]);
  let lockedAt = 0;
  const coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  await waitFor(`${n} takes a lock`, async () => {
    const l = (await coord.listNamespacedLease({ namespace: 'nodemend' })).items.find((x) => x.metadata!.name!.startsWith('nodemend-lock-') && x.spec?.holderIdentity === n);
    // The Lease's own acquireTime (microseconds), not the poll's: the number is the agent's.
    if (l?.spec?.acquireTime) lockedAt = new Date(l.spec.acquireTime as unknown as string).getTime();
    return lockedAt > 0;
  }, 30_000);
  await waitFor(`${n} rebooted and back`, async () => {
    const x = await node(n);
    const hist = parseHistory(x.metadata?.annotations?.[A.history]);
    return hist[0]?.outcome === 'succeeded';
  }, 90_000);
  const x = await node(n);
  assert.notEqual(x.status!.nodeInfo!.bootID, before, 'boot ID changed');
  assert.ok(!x.spec?.unschedulable, 'uncordoned');
  assert.equal(x.metadata?.annotations?.[A.cordonedBy], undefined, 'cordoned-by mark cleared');
  const hist = parseHistory(x.metadata?.annotations?.[A.history]);
  assert.equal(hist[0].bootIdBefore, before);
  assert.equal(hist[0].bootIdAfter, x.status!.nodeInfo!.bootID);
  assert.ok((hist[0].rebootMs ?? 0) >= 1000, `rebootMs ${hist[0].rebootMs}`);
  await waitFor('lock released', async () => !(await leaseHolders()).includes(n), 10_000);
  await waitFor(`${n} healthy again`, async () => (await phase(n)) === 'healthy', 20_000);
  // The ReplicaSet's pod was evicted by the drain (its replacement, pinned to this node, may be back).
  const pods = await c.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
  assert.ok(!pods.items.some((p) => p.metadata!.name === podsBefore[0]), 'the original pod was evicted');
  const reasons = (await events(n)).map((e) => e.reason);
  for (const r of ['LockAcquired', 'Cordoned', 'Drained', 'Rebooting', 'RebootSucceeded', 'LockReleased']) assert.ok(reasons.includes(r), `Event ${r} in ${reasons.join(',')}`);
  console.log(`# numbers: sentinel to lock ${lockedAt - t0} ms; whole reboot cycle ${Date.now() - t0} ms (simulated downtime 1500 ms)`);
});

test("a node a person cordoned before stays cordoned after the reboot", { timeout: 120_000 }, async () => {
  const n = nodes[1];
  const r = await c.kubectl(['cordon', n]);
  assert.equal(r.code, 0, r.stderr);
  fleet.requireReboot([n]);
  await waitFor(`${n} rebooted`, async () => parseHistory((await node(n)).metadata?.annotations?.[A.history])[0]?.outcome === 'succeeded', 90_000);
  const x = await node(n);
  assert.equal(x.spec?.unschedulable, true, 'still cordoned');
  assert.equal(x.metadata?.annotations?.[A.cordonedBy], undefined, 'never marked as ours');
  await c.kubectl(['uncordon', n]);
});

test('a malformed request gives a Warning Event naming the annotation and is ignored', { timeout: 60_000 }, async () => {
  const n = nodes[2];
  await annotate(n, { [A.forceReboot]: 'right now please' });
  await waitFor('Warning Event', async () => (await events(n)).some((e) => e.type === 'Warning' && e.reason === 'InvalidAnnotation' && /nodemend.dev\/force-reboot: expected an RFC3339 time/.test(e.message ?? '')), 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  assert.ok(!(await leaseHolders()).includes(n), 'no lock taken for a malformed request');
  assert.equal((await node(n)).spec?.unschedulable, undefined);
  await annotate(n, { [A.forceReboot]: null });
});

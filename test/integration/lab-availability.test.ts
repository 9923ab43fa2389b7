// The lab's budget guard (test/lab/support.ts Availability), checked against the real API server
// with KWOK nodes: it must not count the initial list as a dip (it replays one ADD per pod), it
// must see an eviction's drop, and it must tell a pod the node lifecycle controller marked not
// Ready (its node stopped reporting; containers still ready) from one a drain took out. A guard
// that miscounts either way would fail the lab on nothing or pass it on a broken budget.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { Availability } from '../lab/support.ts';

let c: TestCluster;
const ns = 'avail';
const strategic = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

before(async () => {
  c = await startCluster();
  await c.addNodes(3, { prefix: 'av' });
  await c.ensureNamespace(ns);
  await c.addDeployment({ namespace: ns, name: 'web', replicas: 3, spreadOverNodes: true });
});

after(async () => {
  await c?.stop();
});

async function pods(): Promise<k8s.V1Pod[]> {
  return (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** What the node lifecycle controller writes when a node stops reporting: Ready False, nothing else. */
async function markLost(p: k8s.V1Pod): Promise<void> {
  await c.core.patchNamespacedPodStatus(
    { name: p.metadata!.name!, namespace: ns, body: { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'ContainersReady', status: 'True' }] } } },
    strategic(),
  );
}

test('the budget guard: the initial list is no dip; a node lost is told from an eviction', async () => {
  const av = new Availability(c.kc);
  await av.start(ns, 'web');
  try {
    assert.equal(av.lowest, 3, 'three Ready pods listed, and no count taken halfway through the list');
    const [first, second] = await pods();
    // A pod out because its (schedulable) node stopped reporting: involuntary, counted apart.
    await markLost(first!);
    await waitFor('the lost pod seen', async () => av.lowest === 2, 30_000);
    assert.equal(av.lowestVoluntary, 3, 'a pod out with its lost node is not a voluntary disruption');
    assert.ok(av.episodes.some((e) => e.includes(`${first!.metadata!.name} on ${first!.spec!.nodeName}`)), av.episodes.join('; '));
    // On a node that is cordoned (being disrupted), the same mark counts against the budget: a
    // drain that left a pod behind and rebooted must not hide behind the node going away.
    await c.core.patchNode({ name: second!.spec!.nodeName!, body: { spec: { unschedulable: true } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await markLost(second!);
    await waitFor('the second lost pod seen', async () => av.lowest === 1, 30_000);
    assert.equal(av.lowestVoluntary, 2, 'the pod on the cordoned node counts as out');
    // An eviction: the pod is deleting, so out at once.
    const [, , third] = await pods();
    await c.core.createNamespacedPodEviction({ name: third!.metadata!.name!, namespace: ns, body: { metadata: { name: third!.metadata!.name!, namespace: ns } } });
    await waitFor('the evicted pod seen', async () => av.lowest === 0, 30_000);
    assert.equal(av.lowestVoluntary, 1);
  } finally {
    await av.stop();
  }
});

// Proves the test control plane is the real thing: the behaviours nodemend depends on (429 under
// a PodDisruptionBudget, 409 on races and stale writes, DaemonSets, cordon) come from a real
// kube-apiserver with its controllers, not from a fake.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, code, waitFor, isReady, type TestCluster } from '../../tools/harness/index.ts';

let c: TestCluster;
let nodes: string[];
const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

before(async () => {
  c = await startCluster();
  nodes = await c.addNodes(4, { prefix: 'cp', zones: ['a', 'b'], pools: ['general'] });
});
after(async () => {
  await c?.stop();
});

async function evict(namespace: string, name: string): Promise<number> {
  try {
    await c.core.createNamespacedPodEviction({ name, namespace, body: { metadata: { name, namespace } } });
    return 201;
  } catch (e) {
    return code(e) ?? -1;
  }
}

test('simulated nodes are Ready with zone and pool labels', async () => {
  const list = await c.core.listNode();
  assert.equal(list.items.length, 4);
  for (const n of list.items) {
    assert.ok(isReady(n), `${n.metadata?.name} Ready`);
    assert.ok(n.metadata?.labels?.['topology.kubernetes.io/zone']);
    assert.equal(n.metadata?.labels?.['nodemend.dev/pool'], 'general');
  }
});

test('eviction under a PDB that allows no disruption answers 429; a permitted one removes the pod', async () => {
  await c.addDeployment({ name: 'guarded', replicas: 2, pdb: { minAvailable: 2 } });
  await waitFor('PDB status filled by the disruption controller', async () => {
    const p = await c.policy.readNamespacedPodDisruptionBudget({ name: 'guarded', namespace: 'default' });
    return p.status?.observedGeneration === p.metadata?.generation && p.status?.currentHealthy === 2;
  }, 30_000);
  const [victim] = await c.waitPodsRunning('default', 'app=guarded', 2);
  assert.equal(await evict('default', victim), 429);

  await c.addDeployment({ name: 'free', replicas: 2, pdb: { maxUnavailable: 1 } });
  await waitFor('PDB allows one disruption', async () => {
    const p = await c.policy.readNamespacedPodDisruptionBudget({ name: 'free', namespace: 'default' });
    return p.status?.disruptionsAllowed === 1;
  }, 30_000);
  const [ok] = await c.waitPodsRunning('default', 'app=free', 2);
  assert.equal(await evict('default', ok), 201);
  await waitFor(`pod ${ok} gone`, async () => {
    try {
      await c.core.readNamespacedPod({ name: ok, namespace: 'default' });
      return false;
    } catch (e) {
      return code(e) === 404;
    }
  }, 30_000);
});

test('cordon by merge patch sets spec.unschedulable', async () => {
  await c.core.patchNode({ name: nodes[0], body: { spec: { unschedulable: true } } }, merge());
  const n = await c.core.readNode({ name: nodes[0] });
  assert.equal(n.spec?.unschedulable, true);
  await c.core.patchNode({ name: nodes[0], body: { spec: { unschedulable: null } } }, merge());
  assert.notEqual((await c.core.readNode({ name: nodes[0] })).spec?.unschedulable, true);
});

test('a Lease create race has exactly one winner; the loser gets 409', async () => {
  const coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  const results = await Promise.all(
    ['x', 'y', 'z'].map((holder) =>
      coord
        .createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'race' }, spec: { holderIdentity: holder } } })
        .then(() => 201, (e) => code(e)),
    ),
  );
  assert.deepEqual(results.filter((r) => r === 201).length, 1);
  assert.deepEqual(results.filter((r) => r === 409).length, 2);
});

test('an update with a stale resourceVersion answers 409', async () => {
  const coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  const l = await coord.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'cas' }, spec: { holderIdentity: 'a' } } });
  const fresh = await coord.replaceNamespacedLease({ name: 'cas', namespace: 'default', body: { ...l, spec: { holderIdentity: 'b' } } });
  assert.notEqual(fresh.metadata?.resourceVersion, l.metadata?.resourceVersion);
  const stale = await coord
    .replaceNamespacedLease({ name: 'cas', namespace: 'default', body: { ...l, spec: { holderIdentity: 'c' } } })
    .then(() => 200, (e) => code(e));
  assert.equal(stale, 409);
});

test('a DaemonSet gets one pod on every simulated node', async () => {
  const labels = { app: 'everywhere' };
  await c.apps.createNamespacedDaemonSet({
    namespace: 'default',
    body: { metadata: { name: 'everywhere' }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'm', image: 'x' }] } } } },
  });
  await c.waitPodsRunning('default', 'app=everywhere', nodes.length);
  const pods = await c.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=everywhere' });
  assert.deepEqual(pods.items.map((p) => p.spec?.nodeName).sort(), [...nodes].sort());
});

test('a node held NotReady stays NotReady and is tainted; set Ready again it recovers', async () => {
  const name = nodes[3];
  await c.setNodeReady(name, false);
  await waitFor('not-ready taint', async () => {
    const n = await c.core.readNode({ name });
    return !!n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready');
  }, 30_000);
  await new Promise((r) => setTimeout(r, 1500)); // KWOK must not flip it back meanwhile
  assert.equal(isReady(await c.core.readNode({ name })), false);
  await c.setBootId(name, 'boot-after');
  await c.setNodeReady(name, true);
  await c.waitNodesReady([name]);
  assert.equal((await c.core.readNode({ name })).status?.nodeInfo?.bootID, 'boot-after');
});

test('kubectl at the server version works against the cluster', async () => {
  const r = await c.kubectl(['version', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.match(v.serverVersion.gitVersion, /^v1\.34\./);
});

test('the API server can be restarted and clients reconnect', async () => {
  await c.restartApiServer(500);
  const list = await c.core.listNode();
  assert.equal(list.items.length, 4);
});

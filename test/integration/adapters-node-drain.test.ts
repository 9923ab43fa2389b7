// NodePort and DrainPort against a real API server with real controllers: cordon marker rules,
// annotations, labels, taints and Events on the Node; kubectl-drain semantics with a Deployment
// behind a PodDisruptionBudget (429 retried until the budget allows), DaemonSet pods left alone,
// unmanaged and emptyDir pods refused or evicted as configured, the timeout naming the blocking
// budget, and the pre-drain check reporting it without cordoning; the pod-selector blocker and
// the health gate against real pods and budgets.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { AgentInformers } from '../../backend/agent/kube/informers.ts';
import { KubeNode } from '../../backend/agent/kube/node.ts';
import { KubeDrain } from '../../backend/agent/drain/drain.ts';
import { silentLogger } from '../../backend/shared/log.ts';
import { PodSelectorBlocker } from '../../backend/agent/blockers/pods.ts';
import { ClusterHealthGate } from '../../backend/agent/blockers/health.ts';
import { AlertsBlocker } from '../../backend/agent/blockers/alerts.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { A, parseHistory } from '../../protocol/annotations.ts';
import type { DrainOptions, DrainProgressReport } from '../../backend/agent/ports.ts';
import type { AgentNodeState } from '../../protocol/model.ts';

const NS = 'nodemend';
let c: TestCluster;
let inf: AgentInformers;
let node: KubeNode;
const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const opts: DrainOptions = { gracePeriodSeconds: -1, timeoutMs: 60_000, skipWaitForDeleteTimeoutSeconds: 0, podSelector: '', deleteEmptyDirData: false, force: false };

before(async () => {
  c = await startCluster();
  await c.addNodes(4, { prefix: 'd', labels: { pool: 'drain' } });
  await c.ensureNamespace(NS);
  await c.apps.createNamespacedDaemonSet({
    namespace: NS,
    body: {
      metadata: { name: 'nodemend-agent', annotations: { [A.block]: 'change freeze' } },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { none: 'x' }, containers: [{ name: 'a', image: 'registry.invalid/a:1' }] } } },
    },
  });
  inf = new AgentInformers(c.kc, { node: 'd-0', namespace: NS, daemonSet: 'nodemend-agent' }, silentLogger);
  await inf.waitSynced();
  node = new KubeNode(c.kc, inf, { node: 'd-0' }, silentLogger);
}, { timeout: 180_000 });
after(async () => {
  await inf?.stop();
  await c?.stop();
});

const read = (name = 'd-0') => c.core.readNode({ name });
const drainer = (n: string, retryDelayMs = 500) => new KubeDrain(c.kc, { node: n, retryDelayMs, pollMs: 250 }, silentLogger);

test('facts come from the informer; cluster annotations from the agent DaemonSet', { timeout: 30_000 }, async () => {
  const f = node.facts();
  assert.ok(f);
  assert.equal(f.name, 'd-0');
  assert.equal(f.ready, true);
  assert.equal(f.bootId, 'boot-d-0-0');
  assert.equal(node.clusterAnnotations()[A.block], 'change freeze');
  let fired = 0;
  const sub = node.onChange(() => fired++);
  await c.setBootId('d-0', 'boot-d-0-1');
  await waitFor('informer update', async () => node.facts()?.bootId === 'boot-d-0-1', 10_000);
  assert.ok(fired > 0);
  sub.dispose();
});

test('cordon marks the node; uncordon only undoes our own cordon', { timeout: 30_000 }, async () => {
  assert.equal(await node.cordon(), true, 'cordoned by this call');
  let n = await read();
  assert.equal(n.spec?.unschedulable, true);
  assert.ok(n.metadata?.annotations?.[A.cordonedBy]);
  assert.equal(await node.cordon(), false, 'idempotent, and says so');
  assert.equal(await node.uncordon(), true);
  assert.equal(await node.uncordon(), false, 'nothing left to undo');
  n = await read();
  assert.ok(!n.spec?.unschedulable);
  assert.equal(n.metadata?.annotations?.[A.cordonedBy], undefined);
  // A person cordons: we neither mark it nor undo it.
  const r = await c.kubectl(['cordon', 'd-0']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await node.cordon(), false, 'a person cordon is not ours');
  n = await read();
  assert.equal(n.metadata?.annotations?.[A.cordonedBy], undefined, 'a person cordon stays unmarked');
  assert.equal(await node.uncordon(), false);
  assert.equal((await read()).spec?.unschedulable, true, 'a person cordon is never undone');
  await c.kubectl(['uncordon', 'd-0']);
});

test('state, bounded history, requests, labels and the PreferNoSchedule taint', { timeout: 30_000 }, async () => {
  const st: AgentNodeState = { v: 1, phase: 'waiting-lock', reason: 'slot taken', since: new Date().toISOString(), rebootRequired: true, agent: 'test' };
  await node.publishState(st);
  assert.deepEqual(JSON.parse((await read()).metadata!.annotations![A.state]), st);
  for (let i = 0; i < 12; i++) await node.appendHistory({ start: `2026-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`, end: 'x', outcome: 'succeeded' });
  const hist = parseHistory((await read()).metadata!.annotations![A.history]);
  assert.equal(hist.length, 10);
  assert.equal(hist[0].start, '2026-01-12T00:00:00Z', 'newest first');
  // The same attempt again (a finish repeated after a restart): replaced, not added.
  const attempt = { start: '2026-01-13T00:00:00Z', end: 'x', outcome: 'succeeded' as const, bootIdBefore: 'b1', bootIdAfter: 'b2' };
  await node.appendHistory(attempt);
  await node.appendHistory({ ...attempt, end: 'y' });
  const again = parseHistory((await read()).metadata!.annotations![A.history]);
  assert.deepEqual(again.map((h) => h.start).slice(0, 2), ['2026-01-13T00:00:00Z', '2026-01-12T00:00:00Z'], 'one record of the attempt');
  assert.equal(again[0].end, 'y');
  // Another attempt in the same boot (a failure, then a retry) is a record of its own.
  await node.appendHistory({ ...attempt, start: '2026-01-14T00:00:00Z', bootIdAfter: undefined, outcome: 'failed' });
  assert.equal(parseHistory((await read()).metadata!.annotations![A.history])[1].start, '2026-01-13T00:00:00Z');
  await c.core.patchNode({ name: 'd-0', body: { metadata: { annotations: { [A.forceReboot]: '2026-01-01T00:00:00Z', [A.rebootAfter]: '2026-01-01T00:00:00Z' } } } }, merge());
  await waitFor('cache', async () => node.facts()?.annotations[A.forceReboot] !== undefined, 10_000);
  await node.clearRequests([A.forceReboot]);
  let ann = (await read()).metadata!.annotations!;
  assert.equal(ann[A.forceReboot], undefined);
  assert.equal(ann[A.rebootAfter], '2026-01-01T00:00:00Z', 'other requests untouched');
  await node.setLabels({ 'nodemend.dev/rebooting': 'true' });
  assert.equal((await read()).metadata!.labels!['nodemend.dev/rebooting'], 'true');
  await waitFor('cache', async () => node.facts()?.labels['nodemend.dev/rebooting'] === 'true', 10_000);
  await node.setLabels({ 'nodemend.dev/rebooting': null });
  assert.equal((await read()).metadata!.labels!['nodemend.dev/rebooting'], undefined);
  // Someone else's taint survives ours coming and going.
  await c.core.patchNode({ name: 'd-0', body: { spec: { taints: [{ key: 'team', value: 'x', effect: 'NoSchedule' }] } } }, merge());
  await node.setPreferNoScheduleTaint('nodemend.dev/waiting', true);
  await node.setPreferNoScheduleTaint('nodemend.dev/waiting', true);
  let taints = (await read()).spec!.taints!;
  assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`).sort(), ['nodemend.dev/waiting:PreferNoSchedule', 'team:NoSchedule']);
  await node.setPreferNoScheduleTaint('nodemend.dev/waiting', false);
  taints = (await read()).spec!.taints!;
  assert.deepEqual(taints.map((t) => t.key), ['team']);
  ann = (await read()).metadata!.annotations!;
  assert.ok(ann[A.state]);
  await c.core.patchNode({ name: 'd-0', body: { spec: { taints: null } } }, merge());
});

test('events on the Node: created with reason and message, repeats counted', { timeout: 30_000 }, async () => {
  await node.event('Warning', 'RebootBlocked', 'blocked by PodDisruptionBudget shop/quorum');
  await node.event('Warning', 'RebootBlocked', 'blocked by PodDisruptionBudget shop/quorum');
  await node.event('Normal', 'LockAcquired', 'holding nodemend-lock-0');
  const ev = (await c.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.kind=Node,involvedObject.name=d-0' })).items;
  const blocked = ev.filter((e) => e.reason === 'RebootBlocked');
  assert.equal(blocked.length, 1, 'deduplicated');
  assert.equal(blocked[0].count, 2);
  assert.equal(blocked[0].type, 'Warning');
  assert.equal(blocked[0].message, 'blocked by PodDisruptionBudget shop/quorum');
  assert.equal(blocked[0].source?.component, 'nodemend-agent');
  const lock = ev.filter((e) => e.reason === 'LockAcquired');
  assert.equal(lock.length, 1);
  // kubectl shows them with the node.
  const d = await c.kubectl(['describe', 'node', 'd-0']);
  assert.match(d.stdout, /RebootBlocked/);
});

test('drain: Deployment behind a PDB is evicted with 429 retries; DaemonSet pod stays', { timeout: 120_000 }, async () => {
  // All web pods on d-1 (d-2 cordoned while they are placed), then d-2 takes the replacements.
  await c.kubectl(['cordon', 'd-2']);
  await c.kubectl(['cordon', 'd-3']);
  await c.kubectl(['cordon', 'd-0']);
  await c.addDeployment({ name: 'web', replicas: 3, nodeSelector: { pool: 'drain' }, pdb: { minAvailable: 2 } });
  const ds = await c.addPod({ name: 'shipper', node: 'd-1', owner: 'DaemonSet' });
  await c.kubectl(['uncordon', 'd-2']);
  await c.kubectl(['cordon', 'd-1']);
  const before = (await c.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=d-1', labelSelector: 'app=web' })).items;
  assert.equal(before.length, 3);
  await waitFor('PDB status', async () => (await c.policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' })).status?.disruptionsAllowed === 1, 30_000);
  const progress: DrainProgressReport[] = [];
  const r = await drainer('d-1').drain(opts, (p) => progress.push(structuredClone(p)), new AbortController().signal);
  assert.deepEqual(r, { ok: true });
  const blocked = progress.flatMap((p) => p.blocked);
  assert.ok(blocked.some((b) => b.pdb === 'default/web' && /disruption budget/i.test(b.reason)), `a 429 was reported with the PDB: ${JSON.stringify(blocked.slice(0, 2))}`);
  assert.equal(progress.at(-1)!.left, 0);
  assert.equal(progress[0].total, 3, 'the DaemonSet pod is not a drain target');
  const after = (await c.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=d-1' })).items.map((p) => p.metadata!.name);
  assert.deepEqual(after, [ds]);
});

test('drain: unmanaged and emptyDir pods refuse without force/deleteEmptyDirData, go with them; selector filters', { timeout: 120_000 }, async () => {
  await c.kubectl(['uncordon', 'd-3']);
  await c.addPod({ name: 'solo', node: 'd-3', owner: 'none' });
  await c.addPod({ name: 'scratch', node: 'd-3', owner: 'ReplicaSet', emptyDir: true });
  await c.kubectl(['cordon', 'd-3']);
  const d = drainer('d-3');
  const sig = new AbortController().signal;
  const refused = await d.drain(opts, () => {}, sig);
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.reason : '', /default\/solo not managed by a controller \(needs force\)/);
  assert.match(!refused.ok ? refused.reason : '', /default\/scratch-\w+ uses emptyDir/);
  assert.equal((await c.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=d-3' })).items.length, 2, 'nothing evicted');
  const none = await d.drain({ ...opts, podSelector: 'app=nomatch' }, () => {}, sig);
  assert.deepEqual(none, { ok: true }, 'no pod matches the selector');
  const onlySolo = await d.drain({ ...opts, podSelector: 'app=solo', force: true }, () => {}, sig);
  assert.deepEqual(onlySolo, { ok: true });
  const left = (await c.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=d-3' })).items.map((p) => p.metadata!.name!);
  assert.equal(left.length, 1);
  assert.match(left[0], /^scratch-/);
  assert.deepEqual(await d.drain({ ...opts, deleteEmptyDirData: true }, () => {}, sig), { ok: true });
  assert.equal((await c.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=d-3' })).items.length, 0);
});

test('precheck reports a PDB allowing no disruption; drain times out naming it', { timeout: 120_000 }, async () => {
  await c.kubectl(['uncordon', 'd-0']);
  await c.addDeployment({ name: 'quorum', replicas: 2, nodeSelector: { 'kubernetes.io/hostname': 'd-0' }, pdb: { minAvailable: 2 } });
  await waitFor('PDB status', async () => (await c.policy.readNamespacedPodDisruptionBudget({ name: 'quorum', namespace: 'default' })).status?.currentHealthy === 2, 30_000);
  const d = drainer('d-0');
  const pre = await d.precheck(opts);
  assert.equal(pre.length, 2);
  assert.ok(pre.every((b) => b.pdb === 'default/quorum' && /allows no disruption \(2 healthy, needs 2\)/.test(b.reason)));
  assert.equal((await read()).spec?.unschedulable, undefined, 'precheck does not cordon');
  const t0 = Date.now();
  const r = await d.drain({ ...opts, timeoutMs: 2500 }, () => {}, new AbortController().signal);
  const took = Date.now() - t0;
  assert.equal(r.ok, false);
  assert.ok(took >= 2400 && took < 8000, `timeout honoured (${took} ms)`);
  if (!r.ok) {
    assert.match(r.reason, /drain timed out after \ds with 2 pod\(s\) left: .*PodDisruptionBudget default\/quorum/);
    assert.equal(r.blocked.length, 2);
    assert.equal(r.blocked[0].pdb, 'default/quorum');
  }
  // Cancelling a drain stops it promptly.
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const t1 = Date.now();
  const cancelled = await d.drain(opts, () => {}, ac.signal);
  assert.equal(cancelled.ok, false);
  assert.ok(Date.now() - t1 < 3000);
  assert.match(!cancelled.ok ? cancelled.reason : '', /cancelled/);
});

test('pod-selector blocker: a matching pod on the node blocks; a bad selector blocks with the reason', { timeout: 30_000 }, async () => {
  const shipper = new PodSelectorBlocker(c.kc, 'd-1', ['app=none', 'app=shipper']);
  const r = await shipper.check();
  assert.equal(r.blocked, true);
  assert.match(r.blocked ? r.reason : '', /blocking pods on the node: default\/shipper-\w+ \(app=shipper\)/);
  assert.deepEqual(await new PodSelectorBlocker(c.kc, 'd-3', ['app=shipper']).check(), { blocked: false }, 'another node');
  assert.deepEqual(await new PodSelectorBlocker(c.kc, 'd-1', ['app=none']).check(), { blocked: false });
  const bad = await new PodSelectorBlocker(c.kc, 'd-1', ['app in (']).check();
  assert.equal(bad.blocked, true);
  assert.match(bad.blocked ? bad.reason : '', /cannot list pods for blocking selector app in \(/);
  assert.throws(() => new PodSelectorBlocker(c.kc, 'd-1', ['']), /empty selector/);
});

test('health gate: a PDB below its desired healthy count or a firing alert is unhealthy', { timeout: 60_000 }, async () => {
  const gate = new ClusterHealthGate(c.kc);
  await waitFor('all PDBs healthy', async () => (await gate.check()).healthy, 30_000);
  await c.addPdb({ name: 'too-strict', selector: { app: 'web' }, minAvailable: 5 });
  const r = await gate.check();
  assert.equal(r.healthy, false);
  assert.match(!r.healthy ? r.reason : '', /default\/too-strict \((not yet evaluated|3\/5 healthy)\)/);
  await waitFor('observed', async () => {
    const x = await gate.check();
    return !x.healthy && /default\/too-strict \(3\/5 healthy\)/.test(x.reason);
  }, 30_000);
  await c.policy.deleteNamespacedPodDisruptionBudget({ name: 'too-strict', namespace: 'default' });
  assert.deepEqual(await gate.check(), { healthy: true });
  // A stand-in Prometheus with one firing alert.
  const prom = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'ALERTS', alertname: 'KubeNodeNotReady', alertstate: 'firing' }, value: [0, '1'] }] } })));
  await new Promise<void>((res) => prom.listen(0, '127.0.0.1', res));
  try {
    const withAlerts = new ClusterHealthGate(c.kc, new AlertsBlocker({ url: `http://127.0.0.1:${(prom.address() as AddressInfo).port}` }));
    const a = await withAlerts.check();
    assert.equal(a.healthy, false);
    assert.match(!a.healthy ? a.reason : '', /active alerts: KubeNodeNotReady/);
  } finally {
    prom.closeAllConnections();
    await new Promise((res) => prom.close(res));
  }
});

test('API server restarted mid-drain: the drain rides it out, the informer resumes', { timeout: 120_000 }, async () => {
  // quorum's two pods on d-0 are held by their PDB (minAvailable 2): the drain is retrying 429s.
  const progress: DrainProgressReport[] = [];
  const run = drainer('d-0').drain({ ...opts, timeoutMs: 90_000 }, (p) => progress.push(structuredClone(p)), new AbortController().signal);
  await waitFor('eviction refused', async () => progress.some((p) => p.blocked.length > 0), 20_000);
  await c.restartApiServer(2000);
  await waitFor('API back', async () => !!(await c.core.readNode({ name: 'd-0' })), 60_000);
  await c.policy.deleteNamespacedPodDisruptionBudget({ name: 'quorum', namespace: 'default' });
  const r = await run;
  assert.deepEqual(r, { ok: true });
  await c.setBootId('d-0', 'boot-after-restart');
  await waitFor('informer resumed after the restart', async () => node.facts()?.bootId === 'boot-after-restart', 60_000);
  assert.ok(inf.synced());
});

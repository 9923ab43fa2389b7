// Node-bound agents (deploy/base/agent-policy.yaml, agent-event-source-policy.yaml) against a real API server, with real pod-bound
// tokens: the shipped manifests are applied, the agent DaemonSet gets a pod on each of two nodes,
// and a TokenRequest bound to each pod yields the token its kubelet would mount, carrying the
// pod's node. With node A's token: node B's Node, Leases and Events are out of reach, its own are
// not, and only the fields the agent writes; a token that names no node writes nothing. Then a
// real agent with node A's token goes through a whole reboot (wait, lock, cordon, drain, reboot,
// uncordon, release), so every write of its real flow is proven to pass the policy.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { deployDir } from '../../deploy/render.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { jsonLogger } from '../../backend/shared/log.ts';
import { apiMessage, code } from '../../backend/shared/kube.ts';
import { A, parseHistory } from '../../protocol/annotations.ts';
import { LOCK_NS, ONE_AT_A_TIME, mergePatch } from './agent-support.ts';

const NS = LOCK_NS;
const AGENT = 'system:serviceaccount:nodemend:nodemend-agent';
const POLICY = 'nodemend-agent-own-node';
const denied = (what: RegExp) => new RegExp(`${POLICY}.*denied request: .*${what.source}`);
const OWN_NODE = denied(/may change only its own Node/);
const NO_CLAIM = denied(/this token names no node/);
const TAINTS = denied(/only spec.unschedulable and PreferNoSchedule taints with a key under\s+nodemend.dev\//);
const LABELS = denied(/only labels under agent.nodemend.dev\//);
const ANNOTATIONS = denied(/only nodemend.dev\/ annotations/);
const LEASE = denied(/only a Lease it holds itself/);
const EVENT = denied(/Events only about its own Node/);
const WAITING_TAINT = 'nodemend.dev/waiting';
const LABEL = 'agent.nodemend.dev/rebooting';

let c: TestCluster;
let a = '';
let b = '';
/** Clients with each node's pod-bound token, and with a token bound to no pod. */
let asA: Clients;
let asB: Clients;
let asNone: Clients;
let dir = '';
let coord: k8s.CoordinationV1Api;

interface Clients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  coord: k8s.CoordinationV1Api;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-node-bound-'));
  c = await startCluster();
  coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  [a, b] = await c.addNodes(2, { prefix: 'nb' });
  const r = await c.kubectl(['apply', '--server-side', '-k', join(deployDir, 'overlays/default')]);
  assert.equal(r.code, 0, r.stderr);
  const pods = await agentPods([a, b]);
  asA = clients(await podToken(pods.get(a)!));
  asB = clients(await podToken(pods.get(b)!));
  asNone = clients(await podToken());
  // The policy is loaded asynchronously after it is created: wait until it bites.
  await waitFor('agent policy active', async () => {
    try {
      await asA.core.patchNode({ name: b, body: { metadata: { annotations: { 'nodemend.dev/probe': 'x' } } } }, mergePatch());
      await c.core.patchNode({ name: b, body: { metadata: { annotations: { 'nodemend.dev/probe': null } } } }, mergePatch());
      return false;
    } catch (e) {
      return OWN_NODE.test(apiMessage(e));
    }
  }, 30_000);
}, { timeout: 180_000 });

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The agent DaemonSet's pod on each node, once scheduled there. */
async function agentPods(nodes: string[]): Promise<Map<string, k8s.V1Pod>> {
  const byNode = new Map<string, k8s.V1Pod>();
  await waitFor('agent pods on both nodes', async () => {
    const l = await c.core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=agent' });
    for (const p of l.items) if (p.spec?.nodeName && !p.metadata?.deletionTimestamp) byNode.set(p.spec.nodeName, p);
    return nodes.every((n) => byNode.has(n));
  }, 60_000);
  return byNode;
}

/** What the kubelet mounts in the agent's pod: a token bound to that pod (TokenRequest); no pod = a token made by hand. */
async function podToken(pod?: k8s.V1Pod): Promise<string> {
  const boundObjectRef = pod ? { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid } : undefined;
  const r = await c.core.createNamespacedServiceAccountToken({ name: 'nodemend-agent', namespace: NS, body: { spec: { audiences: [], expirationSeconds: 3600, boundObjectRef } } });
  assert.ok(r.status?.token, 'TokenRequest returned a token');
  return r.status.token;
}

function clients(token: string): Clients {
  const cluster = c.kc.getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({ clusters: [cluster], users: [{ name: 'agent', token }], contexts: [{ name: 'agent', cluster: cluster.name, user: 'agent' }], currentContext: 'agent' });
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), coord: kc.makeApiClient(k8s.CoordinationV1Api) };
}

/** The Kubernetes claims of a JWT (read, not verified: the API server verifies). */
function claims(kc: k8s.KubeConfig): { node?: { name?: string }; pod?: { name?: string } } {
  const payload = kc.getCurrentUser()!.token!.split('.')[1];
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))['kubernetes.io'] ?? {};
}

async function refused(what: string, call: () => Promise<unknown>, why: RegExp): Promise<void> {
  try {
    await call();
  } catch (e) {
    assert.equal(code(e), 403, `${what}: ${apiMessage(e)}`);
    assert.match(apiMessage(e), why, what);
    return;
  }
  assert.fail(`${what}: allowed, should be refused`);
}

const patchNode = (who: Pick<Clients, 'core'>, name: string, body: object) => () => who.core.patchNode({ name, body }, mergePatch());
/**
 * Changes the taint list as the agent does: read fresh, write the whole list guarded by the
 * resourceVersion (a controller adds node.kubernetes.io/unschedulable after a cordon meanwhile).
 */
const taints = (who: Pick<Clients, 'core'>, name: string, change: (t: k8s.V1Taint[]) => k8s.V1Taint[]) => async () => {
  for (let i = 0; ; i++) {
    const n = await c.core.readNode({ name });
    try {
      return await patchNode(who, name, { metadata: { resourceVersion: n.metadata!.resourceVersion }, spec: { taints: change(n.spec?.taints ?? []) } })();
    } catch (e) {
      if (code(e) !== 409 || i > 5) throw e;
    }
  }
};
const taint = (key: string, effect: string): k8s.V1Taint => ({ key, value: 'true', effect });
const lease = (name: string, holder: string | undefined, stage?: string): k8s.V1Lease => ({
  metadata: { name, namespace: NS, ...(stage ? { annotations: { 'nodemend.dev/stage': stage } } : {}) },
  spec: holder ? { holderIdentity: holder, leaseDurationSeconds: 60 } : { leaseDurationSeconds: 60 },
});
const nodeEvent = (name: string, kind: string, about: string): k8s.CoreV1Event => ({
  metadata: { name, namespace: 'default' },
  involvedObject: { kind, apiVersion: 'v1', name: about, ...(kind === 'Pod' ? { namespace: 'default' } : {}) },
  type: 'Normal',
  reason: 'Rebooting',
  message: 'forged',
  count: 1,
});

test('the tokens are what a kubelet mounts: bound to the agent pod and naming its node', () => {
  assert.equal(claims(asA.kc).node?.name, a);
  assert.equal(claims(asB.kc).node?.name, b);
  assert.equal(claims(asNone.kc).node, undefined);
});

test("node A's agent cannot touch node B: cordon, taint, label, annotation", async () => {
  await refused('cordon B', patchNode(asA, b, { spec: { unschedulable: true } }), OWN_NODE);
  await refused('taint B', patchNode(asA, b, { spec: { taints: [{ key: WAITING_TAINT, value: 'true', effect: 'PreferNoSchedule' }] } }), OWN_NODE);
  await refused('label B', patchNode(asA, b, { metadata: { labels: { [LABEL]: 'true' } } }), OWN_NODE);
  await refused("B's state", patchNode(asA, b, { metadata: { annotations: { [A.state]: '{}' } } }), OWN_NODE);
  await refused("B's cordon marker", patchNode(asA, b, { metadata: { annotations: { [A.cordonedBy]: 'nodemend-agent' } } }), OWN_NODE);
  const live = await c.core.readNode({ name: b });
  assert.equal(live.spec?.unschedulable, undefined);
  assert.equal(live.metadata?.labels?.[LABEL], undefined);
  assert.equal(live.metadata?.annotations?.[A.state], undefined);
});

test("node A's agent writes its own Node's agent fields: cordon, its PreferNoSchedule taint, its labels, its annotations", async () => {
  await patchNode(asA, a, { metadata: { annotations: { [A.cordonedBy]: 'nodemend-agent test' } }, spec: { unschedulable: true } })();
  await taints(asA, a, (t) => [...t, taint(WAITING_TAINT, 'PreferNoSchedule')])();
  await patchNode(asA, a, { metadata: { labels: { [LABEL]: 'true' }, annotations: { [A.state]: '{"v":1}', [A.history]: '[]' } } })();
  let live = await c.core.readNode({ name: a });
  assert.equal(live.spec?.unschedulable, true);
  assert.ok(live.spec?.taints?.some((t) => t.key === WAITING_TAINT && t.effect === 'PreferNoSchedule'));
  assert.equal(live.metadata?.labels?.[LABEL], 'true');
  // And undoes them, as after a reboot.
  await patchNode(asA, a, { metadata: { labels: { [LABEL]: null }, annotations: { [A.cordonedBy]: null, [A.state]: null, [A.history]: null } }, spec: { unschedulable: null } })();
  await taints(asA, a, (t) => t.filter((x) => x.key !== WAITING_TAINT))();
  live = await c.core.readNode({ name: a });
  assert.ok(!live.spec?.unschedulable);
  assert.ok(!live.spec?.taints?.some((t) => t.key === WAITING_TAINT));
  assert.equal(live.metadata?.labels?.[LABEL], undefined);
});

test("node A's agent cannot change anything else on its own Node", async () => {
  const add = (key: string, effect: string) => taints(asA, a, (t) => [...t, taint(key, effect)]);
  await refused('a NoExecute taint', add('nodemend.dev/evil', 'NoExecute'), TAINTS);
  await refused('a NoSchedule taint', add(WAITING_TAINT, 'NoSchedule'), TAINTS);
  await refused('a PreferNoSchedule taint outside nodemend.dev/', add('example.com/waiting', 'PreferNoSchedule'), TAINTS);
  // A taint a person put there (it keeps workloads off the node) cannot be lifted.
  await taints(c, a, (t) => [...t, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }])();
  await refused("lifting a person's taint", taints(asA, a, (t) => t.filter((x) => x.key !== 'dedicated')), TAINTS);
  await refused('spec.providerID', patchNode(asA, a, { spec: { providerID: 'kwok://evil' } }), TAINTS);
  // Relabelling to attract workloads: a pool or role label, even one under nodemend.dev/.
  await refused('a role label', patchNode(asA, a, { metadata: { labels: { 'node-role.kubernetes.io/db': '' } } }), LABELS);
  await refused('a scope label', patchNode(asA, a, { metadata: { labels: { 'nodemend.dev/pool': 'db' } } }), LABELS);
  await refused('removing the hostname label', patchNode(asA, a, { metadata: { labels: { 'kubernetes.io/hostname': null } } }), LABELS);
  await refused('another annotation', patchNode(asA, a, { metadata: { annotations: { 'example.com/x': '1' } } }), ANNOTATIONS);
  await refused('a finalizer', patchNode(asA, a, { metadata: { finalizers: ['example.com/hold'] } }), ANNOTATIONS);
  const live = await c.core.readNode({ name: a });
  assert.deepEqual(live.spec?.taints?.filter((t) => t.key === 'dedicated' || t.key.startsWith('nodemend.dev/') || t.key.startsWith('example.com/')).map((t) => `${t.key}:${t.effect}`), ['dedicated:NoSchedule']);
  assert.equal(live.spec?.providerID, undefined);
  assert.equal(live.metadata?.labels?.['kubernetes.io/hostname'], a);
  await taints(c, a, (t) => t.filter((x) => x.key !== 'dedicated'))();
});

test("node A's agent cannot forge, release or delete node B's Lease; its own it manages", async () => {
  // The attack the policy closes: a Lease naming B at stage "drained" makes B's next agent reboot
  // B without cordon or drain, outside the concurrency limit.
  await refused('a Lease naming B', () => asA.coord.createNamespacedLease({ namespace: NS, body: lease('nodemend-lock-0', b, 'drained') }), LEASE);
  const held = await asB.coord.createNamespacedLease({ namespace: NS, body: lease('nodemend-lock-1', b, 'acquired') });
  await refused("B's Lease moved to stage drained", () => asA.coord.replaceNamespacedLease({ name: 'nodemend-lock-1', namespace: NS, body: { ...held, metadata: { ...held.metadata, annotations: { 'nodemend.dev/stage': 'drained' } } } }), LEASE);
  await refused("releasing B's Lease", () => asA.coord.replaceNamespacedLease({ name: 'nodemend-lock-1', namespace: NS, body: { ...held, spec: { leaseDurationSeconds: 60 } } }), LEASE);
  await refused("deleting B's Lease", () => asA.coord.deleteNamespacedLease({ name: 'nodemend-lock-1', namespace: NS }), LEASE);
  await refused("B's waiting marker", () => asA.coord.createNamespacedLease({ namespace: NS, body: lease(`nodemend-wait-${b}`, a) }), LEASE);
  await refused('a Lease of another name', () => asA.coord.createNamespacedLease({ namespace: NS, body: lease('leader', a) }), LEASE);
  await refused('a Lease outside the lock namespace (RBAC)', () => asA.coord.createNamespacedLease({ namespace: 'kube-system', body: { ...lease('nodemend-lock-0', a), metadata: { name: 'nodemend-lock-0', namespace: 'kube-system' } } }), /forbidden/);
  assert.equal((await coord.readNamespacedLease({ name: 'nodemend-lock-1', namespace: NS })).spec?.holderIdentity, b);

  // Its own: acquire, stage, release, take again, delete; its waiting marker.
  let mine = await asA.coord.createNamespacedLease({ namespace: NS, body: lease('nodemend-lock-0', a, 'acquired') });
  mine = await asA.coord.replaceNamespacedLease({ name: 'nodemend-lock-0', namespace: NS, body: { ...mine, metadata: { ...mine.metadata, annotations: { 'nodemend.dev/stage': 'drained' } } } });
  mine = await asA.coord.replaceNamespacedLease({ name: 'nodemend-lock-0', namespace: NS, body: { ...mine, spec: { leaseDurationSeconds: 60 } } });
  assert.equal(mine.spec?.holderIdentity, undefined, 'released');
  await refused('releasing it again (no longer its own)', () => asA.coord.replaceNamespacedLease({ name: 'nodemend-lock-0', namespace: NS, body: { ...mine, metadata: { ...mine.metadata, annotations: { x: 'y' } } } }), LEASE);
  mine = await asA.coord.replaceNamespacedLease({ name: 'nodemend-lock-0', namespace: NS, body: { ...mine, spec: { holderIdentity: a, leaseDurationSeconds: 60 } } });
  await asA.coord.deleteNamespacedLease({ name: 'nodemend-lock-0', namespace: NS });
  await asA.coord.createNamespacedLease({ namespace: NS, body: lease(`nodemend-wait-${a}`, a) });
  await asA.coord.deleteNamespacedLease({ name: `nodemend-wait-${a}`, namespace: NS });
  await asB.coord.deleteNamespacedLease({ name: 'nodemend-lock-1', namespace: NS });
});

test("node A's agent records Events about its own Node only, in namespace default only", async () => {
  await refused('an Event about node B', () => asA.core.createNamespacedEvent({ namespace: 'default', body: nodeEvent('about-b', 'Node', b) }), EVENT);
  await refused('an Event about a Pod', () => asA.core.createNamespacedEvent({ namespace: 'default', body: nodeEvent('about-pod', 'Pod', 'web') }), EVENT);
  await refused('an Event in another namespace (RBAC)', () => asA.core.createNamespacedEvent({ namespace: 'kube-system', body: { ...nodeEvent('elsewhere', 'Node', a), metadata: { name: 'elsewhere', namespace: 'kube-system' } } }), /forbidden/);
  await asA.core.createNamespacedEvent({ namespace: 'default', body: nodeEvent('about-a', 'Node', a) });
  await asA.core.patchNamespacedEvent({ name: 'about-a', namespace: 'default', body: { count: 2 } }, mergePatch());
  await refused('turning its Event into one about B', () => asA.core.patchNamespacedEvent({ name: 'about-a', namespace: 'default', body: { involvedObject: { name: b } } }, mergePatch()), EVENT);
  await c.core.createNamespacedEvent({ namespace: 'default', body: nodeEvent('kubelet-b', 'Node', b) });
  await refused("bumping B's Event", () => asA.core.patchNamespacedEvent({ name: 'kubelet-b', namespace: 'default', body: { count: 5 } }, mergePatch()), EVENT);
  await refused('deleting its Event (RBAC)', () => asA.core.deleteNamespacedEvent({ name: 'about-a', namespace: 'default' }), /forbidden/);
});

test('only the agent records Events as component nodemend-agent (deploy/base/agent-event-source-policy.yaml)', async () => {
  // Someone who may create Events in "default" (as many controllers and people may): a ServiceAccount with a Role there.
  await c.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'eve' } } });
  const rbac = c.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: 'default', body: { metadata: { name: 'eve-events' }, rules: [{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'get'] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: 'default', body: { metadata: { name: 'eve-events' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'eve-events' }, subjects: [{ kind: 'ServiceAccount', name: 'eve', namespace: 'default' }] } });
  const tok = await c.core.createNamespacedServiceAccountToken({ name: 'eve', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const eve = clients(tok.status!.token!);
  const FORGED = /nodemend-agent-event-source.*denied request: only the nodemend agent \(ServiceAccount nodemend\/nodemend-agent\) may record Events as component nodemend-agent/;
  const asAgent = (name: string, over: Partial<k8s.CoreV1Event> = {}): k8s.CoreV1Event => ({ ...nodeEvent(name, 'Node', a), source: { component: 'nodemend-agent' }, ...over });
  // The policy is loaded asynchronously after it is created: wait until it bites.
  let n = 0;
  await waitFor('events policy active', async () => {
    try {
      await eve.core.createNamespacedEvent({ namespace: 'default', body: asAgent(`probe-${n++}`) });
      return false;
    } catch (e) {
      return FORGED.test(apiMessage(e));
    }
  }, 30_000);
  await refused('an Event with source.component nodemend-agent', () => eve.core.createNamespacedEvent({ namespace: 'default', body: asAgent('forged-source') }), FORGED);
  await refused('an Event with reportingComponent nodemend-agent', () => eve.core.createNamespacedEvent({ namespace: 'default', body: { ...nodeEvent('forged-reporting', 'Node', a), reportingComponent: 'nodemend-agent', reportingInstance: a } }), FORGED);
  const v1 = eve.kc.makeApiClient(k8s.EventsV1Api);
  await refused('an events.k8s.io/v1 Event with reportingController nodemend-agent', () => v1.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'forged-v1', namespace: 'default' }, eventTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as never, reportingController: 'nodemend-agent', reportingInstance: a, action: 'Reboot', reason: 'Rebooting', type: 'Normal', note: 'forged', regarding: { kind: 'Node', apiVersion: 'v1', name: a } } }), FORGED);
  // Its own component is fine, but it cannot be turned into the agent's afterwards.
  await eve.core.createNamespacedEvent({ namespace: 'default', body: { ...nodeEvent('eve-own', 'Node', a), source: { component: 'eve-tool' } } });
  await refused('relabelling its Event as the agent', () => eve.core.patchNamespacedEvent({ name: 'eve-own', namespace: 'default', body: { source: { component: 'nodemend-agent' } } }, mergePatch()), FORGED);
  // The agent's own Events pass, and nobody else may edit them.
  await asA.core.createNamespacedEvent({ namespace: 'default', body: asAgent('agent-own', { reportingComponent: 'nodemend-agent', reportingInstance: a }) });
  await refused("editing the agent's Event", () => eve.core.patchNamespacedEvent({ name: 'agent-own', namespace: 'default', body: { message: 'rebooted fine' } }, mergePatch()), FORGED);
});

test('a token that names no node writes nothing, not even on the node it claims to be', async () => {
  await refused('patching node A', patchNode(asNone, a, { metadata: { annotations: { [A.state]: '{}' } } }), NO_CLAIM);
  await refused('a Lease', () => asNone.coord.createNamespacedLease({ namespace: NS, body: lease('nodemend-lock-0', a) }), NO_CLAIM);
  await refused('an Event', () => asNone.core.createNamespacedEvent({ namespace: 'default', body: nodeEvent('no-claim', 'Node', a) }), NO_CLAIM);
  // Impersonating the ServiceAccount (as kubectl --as does) carries no node either.
  const r = await c.kubectl(['annotate', 'node', a, `${A.state}={}`, `--as=${AGENT}`]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, NO_CLAIM);
  // RBAC is narrowed where it can be: Events only in namespace default.
  const canI = await c.kubectl(['auth', 'can-i', 'create', 'events', '-n', 'kube-system', `--as=${AGENT}`]);
  assert.equal(canI.stdout.trim(), 'no');
});

test("node B's token cannot run node A's agent", { timeout: 60_000 }, async () => {
  const refusals: string[] = [];
  const log = jsonLogger('sim', 'warn', (line) => {
    if (OWN_NODE.test(line)) refusals.push(line);
  });
  const fleet = await SimFleet.start([a], { kubeconfigPath: c.kubeconfigPath, dir: join(dir, 'wrong'), rebootMs: 1000, log, flags: ONE_AT_A_TIME.flags, agentKubeConfig: () => asB.kc });
  try {
    // Its first write, the node's state, is refused.
    await waitFor('a refusal in the agent log', async () => refusals.length > 0, 30_000);
  } finally {
    await fleet.stop();
  }
});

test("node A's real agent, with node A's token, goes through a whole reboot under the policy", { timeout: 180_000 }, async () => {
  const problems: string[] = [];
  const log = jsonLogger('sim', 'warn', (line) => {
    if (/forbidden|denied request/i.test(line)) problems.push(line);
  });
  // Something to drain; B holds the only slot first, so A also waits (marker and taint).
  const web = await c.addPod({ namespace: 'default', name: 'web', node: a, owner: 'ReplicaSet' });
  const slot = await asB.coord.createNamespacedLease({ namespace: NS, body: lease('nodemend-lock-0', b, 'acquired') });
  const fleet = await SimFleet.start([a], {
    kubeconfigPath: c.kubeconfigPath,
    dir,
    rebootMs: 1000,
    log,
    evictionRetryMs: ONE_AT_A_TIME.evictionRetryMs,
    flags: [...ONE_AT_A_TIME.flags!, `--prefer-no-schedule-taint=${WAITING_TAINT}`, `--pre-reboot-node-labels=${LABEL}=true`, `--post-reboot-node-labels=${LABEL}=false`],
    agentKubeConfig: (n) => (n === a ? asA.kc : undefined),
  });
  try {
    const bootBefore = (await c.core.readNode({ name: a })).status!.nodeInfo!.bootID!;
    fleet.requireReboot([a]);
    await waitFor('A waits: its marker and its PreferNoSchedule taint', async () => {
      const n = await c.core.readNode({ name: a });
      const marks = await coord.listNamespacedLease({ namespace: NS });
      return !!n.spec?.taints?.some((t) => t.key === WAITING_TAINT) && marks.items.some((l) => l.metadata?.name === `nodemend-wait-${a}`);
    }, 30_000);
    // B's agent releases its slot (before the stale-lock grace would let A take it over).
    await asB.coord.replaceNamespacedLease({ name: 'nodemend-lock-0', namespace: NS, body: { ...slot, spec: { leaseDurationSeconds: 60 } } });
    await waitFor('A rebooted and back', async () => parseHistory((await c.core.readNode({ name: a })).metadata?.annotations?.[A.history])[0]?.outcome === 'succeeded', 120_000);
    const n = await c.core.readNode({ name: a });
    assert.notEqual(n.status?.nodeInfo?.bootID, bootBefore, 'rebooted');
    assert.deepEqual(fleet.reboots.map((r) => r.node), [a]);
    assert.ok(!n.spec?.unschedulable, 'uncordoned');
    assert.equal(n.metadata?.annotations?.[A.cordonedBy], undefined);
    assert.equal(n.metadata?.labels?.[LABEL], 'false', 'post-reboot label');
    assert.ok(!n.spec?.taints?.some((t) => t.key === WAITING_TAINT), 'taint lifted');
    const leases = (await coord.listNamespacedLease({ namespace: NS })).items;
    assert.deepEqual(leases.filter((l) => l.spec?.holderIdentity).map((l) => l.metadata!.name), [], 'slot released, marker gone');
    const events = await c.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${a},involvedObject.kind=Node` });
    const reasons = new Set(events.items.map((e) => e.reason));
    for (const r of ['LockAcquired', 'Cordoned', 'Drained', 'Rebooting', 'Uncordoned']) assert.ok(reasons.has(r), `Event ${r} on ${a}`);
    const pods = await c.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
    assert.ok(!pods.items.some((p) => p.metadata?.name === web), 'its pod was evicted');
    assert.deepEqual(problems, [], 'no write of the agent was refused');
  } finally {
    await fleet.stop();
  }
});

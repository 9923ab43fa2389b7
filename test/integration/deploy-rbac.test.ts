// The RBAC of deploy/ against a real API server: `kubectl auth can-i` as each ServiceAccount and as
// people bound to the shipped roles. Every permission the part needs is granted; a list of
// dangerous ones is denied. Then the requester admission policy, by doing: a requester may write
// the request annotations and nothing else; admins and the agent are not affected; a viewer
// reaches the hub through the service proxy and no other Service.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { deployDir } from '../../deploy/render.ts';

const AGENT = 'system:serviceaccount:nodemend:nodemend-agent';
const HUB = 'system:serviceaccount:nodemend:nodemend-hub';
const REQUESTER = 'alice';
const VIEWER = 'bob';
let c: TestCluster;
let node = '';

before(async () => {
  c = await startCluster();
  [node] = await c.addNodes(2, { prefix: 'r', zones: ['a'] });
  const r = await c.kubectl(['apply', '--server-side', '-k', join(deployDir, 'overlays/default')]);
  assert.equal(r.code, 0, r.stderr);
  for (const [role, user] of [['nodemend-requester', REQUESTER], ['nodemend-viewer', VIEWER]]) {
    await must(['create', 'clusterrolebinding', `${user}-${role}`, `--clusterrole=${role}`, `--user=${user}`]);
    await must(['-n', 'nodemend', 'create', 'rolebinding', `${user}-${role}`, `--role=${role}`, `--user=${user}`]);
  }
});
after(async () => {
  await c?.stop();
});

async function must(args: string[]): Promise<string> {
  const r = await c.kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A can-i line: verb, resource[/name], then flags (-n ns, -A, --subresource=x). */
type Check = string;
const NS = (ns: string) => ` -n ${ns}`;

const MATRIX: { who: string; user: string; granted: Check[]; denied: Check[] }[] = [
  {
    who: 'agent',
    user: AGENT,
    granted: [
      'get nodes', 'list nodes', 'watch nodes', 'patch nodes',
      'get pods -A', 'list pods -A', 'watch pods -A', 'create pods --subresource=eviction' + NS('default'),
      'list poddisruptionbudgets.policy -A', 'watch poddisruptionbudgets.policy -A',
      'create events' + NS('default'), 'patch events' + NS('default'),
      ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((v) => `${v} leases.coordination.k8s.io` + NS('nodemend')),
      'get daemonsets.apps' + NS('nodemend'), 'watch daemonsets.apps' + NS('nodemend'),
      // Cutover from Kured: Kured's DaemonSet only, read only.
      ...['get', 'list', 'watch'].map((v) => `${v} daemonsets.apps/kured` + NS('kube-system')), 'list pods' + NS('kube-system'),
    ],
    denied: [
      'get secrets' + NS('nodemend'), 'list secrets -A', 'get secrets' + NS('kube-system'), 'create secrets' + NS('nodemend'),
      'create pods --subresource=exec' + NS('default'), 'create pods --subresource=portforward' + NS('default'), 'get nodes --subresource=proxy',
      'delete nodes', 'create nodes', 'update nodes', 'patch nodes --subresource=status',
      'create pods' + NS('default'), 'delete pods' + NS('default'), 'update pods' + NS('default'),
      'create leases.coordination.k8s.io' + NS('kube-system'), 'update leases.coordination.k8s.io' + NS('kube-node-lease'),
      'patch daemonsets.apps' + NS('nodemend'), 'update daemonsets.apps' + NS('nodemend'),
      'list daemonsets.apps' + NS('kube-system'), 'watch daemonsets.apps' + NS('kube-system'), 'watch daemonsets.apps/other' + NS('kube-system'),
      'patch daemonsets.apps/kured' + NS('kube-system'), 'update daemonsets.apps/kured' + NS('kube-system'), 'delete daemonsets.apps/kured' + NS('kube-system'),
      'patch deployments.apps' + NS('default'), 'create configmaps' + NS('nodemend'),
      'create serviceaccounts --subresource=token' + NS('nodemend'), 'create clusterrolebindings', 'escalate clusterroles', 'bind clusterroles',
      'create events' + NS('kube-system'), 'create events' + NS('nodemend'), 'delete events' + NS('default'),
      'impersonate users', 'delete namespaces', 'delete poddisruptionbudgets.policy' + NS('default'), '* *',
    ],
  },
  {
    who: 'hub',
    user: HUB,
    granted: [
      'get nodes', 'list nodes', 'watch nodes', 'list events' + NS('default'), 'watch events' + NS('default'),
      'create tokenreviews.authentication.k8s.io', 'create subjectaccessreviews.authorization.k8s.io',
      'list leases.coordination.k8s.io' + NS('nodemend'), 'watch leases.coordination.k8s.io' + NS('nodemend'),
      'list daemonsets.apps' + NS('nodemend'), 'watch daemonsets.apps' + NS('nodemend'),
      'list endpointslices.discovery.k8s.io' + NS('default'),
    ],
    denied: [
      'patch nodes', 'delete nodes', 'create leases.coordination.k8s.io' + NS('nodemend'), 'patch daemonsets.apps' + NS('nodemend'),
      'list pods -A', 'create pods --subresource=eviction' + NS('default'), 'create events' + NS('default'),
      'get secrets' + NS('nodemend'), 'list secrets -A', 'create secrets' + NS('nodemend'), 'create pods --subresource=exec' + NS('nodemend'),
      'list endpointslices.discovery.k8s.io' + NS('kube-system'), 'list leases.coordination.k8s.io' + NS('kube-system'), '* *',
      'list events -A', 'list events' + NS('kube-system'), 'watch events' + NS('nodemend'),
    ],
  },
  {
    who: 'nodemend-requester',
    user: REQUESTER,
    granted: ['get nodes', 'list nodes', 'watch nodes', 'patch nodes', 'patch daemonsets.apps/nodemend-agent' + NS('nodemend'), 'get daemonsets.apps/nodemend-agent' + NS('nodemend'), 'list leases.coordination.k8s.io' + NS('nodemend')],
    denied: [
      'update nodes', 'delete nodes', 'patch nodes --subresource=status', 'patch daemonsets.apps/other' + NS('nodemend'),
      'patch daemonsets.apps/nodemend-agent' + NS('default'), 'update daemonsets.apps/nodemend-agent' + NS('nodemend'),
      'delete daemonsets.apps/nodemend-agent' + NS('nodemend'), 'get secrets' + NS('nodemend'), 'create pods --subresource=exec' + NS('nodemend'),
      'patch leases.coordination.k8s.io' + NS('nodemend'), 'get services/nodemend-hub --subresource=proxy' + NS('nodemend'),
    ],
  },
  {
    who: 'nodemend-viewer',
    user: VIEWER,
    granted: [
      'get nodes', 'list nodes', 'watch nodes',
      'get services/http:nodemend-hub:http --subresource=proxy' + NS('nodemend'), 'get services/nodemend-hub:http --subresource=proxy' + NS('nodemend'),
      'list leases.coordination.k8s.io' + NS('nodemend'), 'watch leases.coordination.k8s.io' + NS('nodemend'),
    ],
    denied: [
      'patch nodes', 'patch daemonsets.apps/nodemend-agent' + NS('nodemend'), 'get services/other --subresource=proxy' + NS('nodemend'),
      'get services/nodemend-hub --subresource=proxy' + NS('default'), 'create pods --subresource=portforward' + NS('nodemend'),
      'get secrets' + NS('nodemend'), 'list pods' + NS('nodemend'), 'create services/nodemend-hub --subresource=proxy' + NS('nodemend'),
      'patch leases.coordination.k8s.io' + NS('nodemend'), 'list leases.coordination.k8s.io' + NS('kube-system'),
    ],
  },
];

async function canI(user: string, check: Check): Promise<boolean> {
  const r = await c.kubectl(['auth', 'can-i', ...check.split(' '), `--as=${user}`]);
  if (r.code > 1) throw new Error(`can-i ${check}: ${r.stderr}`);
  return r.code === 0;
}

for (const m of MATRIX) {
  test(`${m.who}: every permission it needs is granted`, async () => {
    const missing = (await Promise.all(m.granted.map(async (k) => ((await canI(m.user, k)) ? '' : k)))).filter(Boolean);
    assert.deepEqual(missing, []);
  });
  test(`${m.who}: dangerous permissions are denied`, async () => {
    const extra = (await Promise.all(m.denied.map(async (k) => ((await canI(m.user, k)) ? k : '')))).filter(Boolean);
    assert.deepEqual(extra, []);
  });
}

/** kubectl as someone; the result's code and a one-line reason. */
async function as(user: string, args: string[]): Promise<{ ok: boolean; err: string }> {
  const r = await c.kubectl([`--as=${user}`, ...args]);
  return { ok: r.code === 0, err: r.stderr.trim().split('\n')[0] ?? '' };
}

const POLICY = /nodemend-requester may change only/;

test('requester: may write the request annotations on a Node, and nothing else', async () => {
  // The admission policy is loaded asynchronously after it is created: wait until it bites.
  // A new value each try: kubectl sends nothing for a label that already has the value.
  let probe = 0;
  await waitFor('requester policy active', async () => POLICY.test((await as(REQUESTER, ['label', '--overwrite', 'node', node, `x=y${probe++}`])).err), 30_000);
  for (const a of ['nodemend.dev/block=maintenance', 'nodemend.dev/block-until=2030-01-01T00:00:00Z', 'nodemend.dev/reboot-after=2030-01-01T00:00:00Z', 'nodemend.dev/force-reboot=2030-01-01T00:00:00Z']) {
    const r = await as(REQUESTER, ['annotate', '--overwrite', 'node', node, a]);
    assert.ok(r.ok, `${a}: ${r.err}`);
  }
  assert.ok((await as(REQUESTER, ['annotate', 'node', node, 'nodemend.dev/block-', 'nodemend.dev/block-until-'])).ok, 'removing a request');
  const denied: [string, string[]][] = [
    ['label', ['label', 'node', node, 'x=y']],
    ['cordon', ['patch', 'node', node, '-p', '{"spec":{"unschedulable":true}}']],
    ['taint', ['taint', 'node', node, 'k=v:NoSchedule']],
    ['another annotation', ['annotate', 'node', node, 'example.com/x=1']],
    ["the agent's state", ['annotate', 'node', node, 'nodemend.dev/state={}']],
    ["the agent's cordon marker", ['annotate', 'node', node, 'nodemend.dev/cordoned-by=me']],
  ];
  for (const [what, args] of denied) {
    const r = await as(REQUESTER, args);
    assert.ok(!r.ok && POLICY.test(r.err), `${what} should be refused by the policy: ${r.err}`);
  }
  const live = await c.core.readNode({ name: node });
  assert.equal(live.spec?.unschedulable, undefined);
  assert.equal(live.metadata?.labels?.x, undefined);
});

test('requester: may set the cluster-wide block on the agent DaemonSet, not change it otherwise', async () => {
  const ds = ['-n', 'nodemend'];
  assert.ok((await as(REQUESTER, [...ds, 'annotate', 'daemonset', 'nodemend-agent', 'nodemend.dev/block=freeze'])).ok);
  assert.ok((await as(REQUESTER, [...ds, 'annotate', 'daemonset', 'nodemend-agent', 'nodemend.dev/block-'])).ok);
  for (const args of [
    ['set', 'image', 'daemonset/nodemend-agent', 'agent=registry.example/evil:1'],
    ['annotate', 'daemonset', 'nodemend-agent', 'nodemend.dev/force-reboot=2030-01-01T00:00:00Z'],
    ['label', 'daemonset', 'nodemend-agent', 'x=y'],
  ]) {
    const r = await as(REQUESTER, [...ds, ...args]);
    assert.ok(!r.ok && POLICY.test(r.err), `${args.join(' ')} should be refused by the policy: ${r.err}`);
  }
});

test("agent: reads Kured's DaemonSet the way its informer does (list and watch by name), and no other", async () => {
  // Real requests, not can-i: RBAC grants a list or watch by resourceNames only through the
  // field selector metadata.name, which is what the agent's informer sends.
  const byName = ['-n', 'kube-system', 'get', 'daemonsets', '--field-selector=metadata.name=kured', '-o', 'name'];
  assert.ok((await as(AGENT, byName)).ok, 'list by name');
  const watch = await c.kubectl([`--as=${AGENT}`, ...byName, '--watch', '--request-timeout=2s']);
  assert.doesNotMatch(watch.stderr, /forbidden/i, 'watch by name');
  const all = await as(AGENT, ['-n', 'kube-system', 'get', 'daemonsets']);
  assert.equal(all.ok, false);
  assert.match(all.err, /forbidden/);
});

test('admins are not restricted by the requester policy; the agent answers to its own', async () => {
  // The agent is held to its own node by agent-policy.yaml (deploy-node-bound.test.ts, with real
  // pod-bound tokens); an impersonation carries no node, so that policy refuses it.
  const agent = await as(AGENT, ['patch', 'node', node, '-p', '{"spec":{"unschedulable":true}}']);
  assert.ok(!agent.ok && !POLICY.test(agent.err) && /nodemend-agent-own-node.*names no node/.test(agent.err), agent.err);
  await must(['patch', 'node', node, '-p', '{"spec":{"unschedulable":true},"metadata":{"labels":{"nodemend.dev/rebooting":"true"}}}']);
  const live = await c.core.readNode({ name: node });
  assert.equal(live.spec?.unschedulable, true);
  await must(['uncordon', node]);
  await must(['label', 'node', node, 'nodemend.dev/rebooting-']);
  await must(['-n', 'nodemend', 'annotate', 'daemonset', 'nodemend-agent', 'example.com/admin=1']);
});

test('viewer: reaches the hub through the service proxy, and no other Service', async () => {
  const proxy = (ns: string, svc: string) => ['get', '--raw', `/api/v1/namespaces/${ns}/services/${svc}/proxy/healthz`];
  // Simulated pods have no process behind them: authorised requests end in 503/404, never 403.
  for (const svc of ['http:nodemend-hub:http', 'nodemend-hub:http']) {
    const r = await as(VIEWER, proxy('nodemend', svc));
    assert.doesNotMatch(r.err, /forbidden/i, `viewer to ${svc}`);
  }
  assert.match((await as(VIEWER, proxy('default', 'http:kubernetes:https'))).err, /forbidden/i);
  assert.match((await as(REQUESTER, proxy('nodemend', 'http:nodemend-hub:http'))).err, /forbidden/i);
});

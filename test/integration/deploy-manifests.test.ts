// deploy/ against a real API server: every overlay renders with the safety properties we promise,
// passes a server-side dry run, and really applies; the DaemonSet gets one pod on every simulated
// node (tainted and cordoned ones too), the hub its pod; the extension's "Deploy Backend" path
// (planManifests + applyManifests over the files in deploy/) installs the very same objects.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { deployDir, kustomize, renderDefault, renderedPath, OVERLAYS } from '../../deploy/render.ts';
import { planManifests, type Manifest } from '../../extension/kube/manifests.ts';
import { applyManifests } from '../../extension/kube/deploy.ts';
import { byKind, container, CONFIG_FOR } from './deploy-support.ts';
import { FLAGS, envName } from '../../backend/agent/config/flags.ts';
import { bool } from '../../backend/agent/config/validate.ts';
import { parseConfig as parseHubConfig } from '../../backend/hub/config.ts';

const NS = 'nodemend';
let c: TestCluster;
let nodes: string[] = [];

before(async () => {
  c = await startCluster();
  nodes = await c.addNodes(6, { prefix: 'w', zones: ['a', 'b', 'c'], pools: ['p1'] });
  // A node with a NoSchedule taint, one with a NoExecute taint, one cordoned: the agent must run on all.
  await c.core.patchNode({ name: nodes[0], body: { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await c.core.patchNode({ name: nodes[1], body: { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await c.core.patchNode({ name: nodes[2], body: { spec: { unschedulable: true } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
});
after(async () => {
  await c?.stop();
});

const rendered = new Map<string, Manifest[]>(OVERLAYS.map((o) => [o, k8s.loadAllYaml(kustomize(o)) as Manifest[]]));

test('deploy/nodemend.yaml is the default overlay, rendered (else run node deploy/render.ts)', () => {
  assert.equal(readFileSync(renderedPath, 'utf8'), renderDefault());
});

// Properties every variant keeps, whatever it changes.
for (const overlay of OVERLAYS) {
  test(`${overlay}: hardened workloads (probes, requests and limits, read-only roots, non-root hub)`, () => {
    const objs = rendered.get(overlay)!;
    const ds = byKind(objs, 'DaemonSet', 'nodemend-agent');
    const hub = byKind(objs, 'Deployment', 'nodemend-hub');
    for (const w of [ds, hub]) {
      const spec = (w.spec as k8s.V1DaemonSetSpec).template.spec!;
      const pod = (w.spec as k8s.V1DaemonSetSpec).template.metadata!;
      assert.equal(pod.annotations?.['prometheus.io/scrape'], 'true', `${w.kind}: scrape annotation`);
      for (const ct of spec.containers) {
        assert.ok(ct.livenessProbe && ct.readinessProbe, `${w.kind}/${ct.name}: probes`);
        for (const r of ['cpu', 'memory']) {
          assert.ok(ct.resources?.requests?.[r] && ct.resources?.limits?.[r], `${w.kind}/${ct.name}: ${r} request and limit`);
        }
        assert.equal(ct.securityContext?.readOnlyRootFilesystem, true, `${w.kind}/${ct.name}: read-only root filesystem`);
      }
    }
    const hubSpec = (hub.spec as k8s.V1DeploymentSpec).template.spec!;
    assert.equal(hubSpec.securityContext?.runAsNonRoot, true);
    assert.notEqual(hubSpec.securityContext?.runAsUser, 0);
    assert.deepEqual(hubSpec.containers[0].securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(hubSpec.containers[0].securityContext?.allowPrivilegeEscalation, false);
    const dsSpec = (ds.spec as k8s.V1DaemonSetSpec).template.spec!;
    assert.deepEqual(JSON.parse(JSON.stringify(dsSpec.tolerations)), [{ operator: 'Exists' }], 'agent tolerates every taint');
    assert.equal(dsSpec.priorityClassName, 'nodemend-agent');
    byKind(objs, 'PriorityClass', 'nodemend-agent');
    const sentinel = dsSpec.volumes?.find((v) => v.hostPath?.path === '/var/run');
    assert.ok(sentinel, 'host /var/run mounted');
    assert.equal(container(ds).volumeMounts?.find((m) => m.name === sentinel.name)?.readOnly, true, 'host /var/run read-only');
    const svc = byKind(objs, 'Service', 'nodemend-hub').spec as k8s.V1ServiceSpec;
    assert.ok(svc.ports?.some((p) => p.name === 'http' && p.port === 8080), 'Service port http 8080');
    // Every namespaced object lives in nodemend, but these Roles (and their bindings): the hub's
    // for the API server addresses and for the agents' Node Events, the agent's for its Node Events,
    // the agent's Kured cutover read.
    const elsewhere: Record<string, string> = { 'nodemend-hub-apiserver-addresses': 'default', 'nodemend-hub-node-events': 'default', 'nodemend-agent-events': 'default', 'nodemend-agent-kured-cutover': 'kube-system' };
    for (const o of objs) {
      const ns = o.metadata.namespace;
      if (ns !== undefined && ns !== NS) assert.equal(elsewhere[o.metadata.name], ns, `${o.kind}/${o.metadata.name} in ${ns}`);
    }
  });

  test(`${overlay}: the hub's NetworkPolicy admits port http only (service proxy), and it selects the hub's pods`, () => {
    const objs = rendered.get(overlay)!;
    const np = byKind(objs, 'NetworkPolicy', 'nodemend-hub').spec as k8s.V1NetworkPolicySpec;
    const hub = byKind(objs, 'Deployment', 'nodemend-hub');
    const podLabels = (hub.spec as k8s.V1DeploymentSpec).template.metadata!.labels!;
    for (const [k, v] of Object.entries(np.podSelector?.matchLabels ?? {})) assert.equal(podLabels[k], v, `selects the hub pod (${k})`);
    assert.deepEqual(np.policyTypes, ['Ingress']);
    const ports = (np.ingress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
    assert.deepEqual(ports, ['http'], 'one port admitted');
    const ct = container(hub);
    assert.equal(ct.ports?.find((p) => p.name === 'http')?.containerPort, 8080, 'port http is the trusted listener');
    const args = parseHubConfig((ct.args ?? []).slice(1), {});
    assert.ok(args.ok && args.config.listenTrusted?.port === 8080 && args.config.listen.port !== 8080, 'the direct listener is not on the admitted port');
  });

  test(`${overlay}: agent privileges and settings`, () => {
    const objs = rendered.get(overlay)!;
    const want = CONFIG_FOR[overlay];
    const ds = byKind(objs, 'DaemonSet', 'nodemend-agent');
    const spec = (ds.spec as k8s.V1DaemonSetSpec).template.spec!;
    const sc = container(ds).securityContext ?? {};
    assert.equal(spec.hostPID ?? false, want.hostPID, 'hostPID');
    assert.equal(sc.privileged ?? false, want.privileged, 'privileged');
    assert.equal(sc.runAsUser === 0, want.root, 'runs as root');
    if (want.caps) assert.deepEqual({ add: sc.capabilities?.add ?? [], drop: sc.capabilities?.drop }, { add: want.caps, drop: ['ALL'] }, 'capabilities');
    const cmName = container(ds).envFrom?.[0].configMapRef?.name;
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmName);
    assert.ok(cm, `the agent's ConfigMap ${cmName} is part of the render`);
    const data = cm.data as Record<string, string>;
    for (const [k, v] of Object.entries(want.env)) assert.equal(data[k], v, k);
    // Names and values the agent understands: an unknown NODEMEND_* variable would be ignored.
    for (const [k, v] of Object.entries(data)) {
      const flag = FLAGS.find((f) => envName('NODEMEND', f.name) === k);
      assert.ok(flag, `${k} is not an agent setting (backend/agent/config/flags.ts)`);
      if (flag.kind === 'bool') assert.ok(bool(v).ok, `${k}=${v}`);
    }
    const env = container(ds).env ?? [];
    assert.equal(env.find((e) => e.name === 'NODE_ID')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    const [cmd, ...hubArgs] = container(byKind(objs, 'Deployment', 'nodemend-hub')).args ?? [];
    assert.equal(cmd, 'hub');
    const hub = parseHubConfig(hubArgs, {});
    assert.ok(hub.ok, hub.ok ? '' : hub.error);
    assert.equal(hub.config.listenTrusted?.port, 8080, 'Service port http leads to the trusted listener (service proxy)');
  });
}

test('server-side dry run of every overlay: the API server accepts every object, nothing is created', async () => {
  const ns = await c.kubectl(['apply', '--server-side', '-f', join(deployDir, 'base/namespace.yaml')]);
  assert.equal(ns.code, 0, ns.stderr);
  for (const overlay of OVERLAYS) {
    const r = await c.kubectl(['apply', '--server-side', '--dry-run=server', '-k', join(deployDir, 'overlays', overlay)]);
    assert.equal(r.code, 0, `${overlay}: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length >= 20 && lines.every((l) => l.endsWith('(server dry run)')), `${overlay}: ${r.stdout}`);
  }
  const ds = await c.kubectl(['-n', NS, 'get', 'daemonset', 'nodemend-agent']);
  assert.notEqual(ds.code, 0, 'a dry run created the DaemonSet');
});

test('Deploy Backend (extension) applies exactly the default overlay, and it comes up', async () => {
  const files = new Map<string, string>();
  for (const e of readdirSync(deployDir, { withFileTypes: true })) if (e.isFile()) files.set(e.name, readFileSync(join(deployDir, e.name), 'utf8'));
  const plan = planManifests(files);
  assert.ok(plan.ok, plan.ok ? '' : plan.error);
  const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const sorted = (l: Manifest[]) => [...l].sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(sorted(plan.objects), sorted(rendered.get('default')!));
  const res = await applyManifests(c.kc, 'test', plan.objects, () => {});
  assert.ok(res.ok, res.ok ? '' : res.error);
  await waitRolledOut('default');
});

test('DaemonSet: one Running agent on every node (tainted, NoExecute, cordoned included); hub: its pod', async () => {
  const pods = (await c.core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=agent' })).items;
  assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), [...nodes].sort());
  assert.ok(pods.every((p) => p.status?.phase === 'Running'), pods.map((p) => `${p.metadata?.name}: ${p.status?.phase}`).join(', '));
  const hub = await c.apps.readNamespacedDeployment({ name: 'nodemend-hub', namespace: NS });
  assert.equal(hub.status?.availableReplicas, 1);
});

test('kubectl apply -k of the default overlay over the extension\'s install: no conflicts', async () => {
  const r = await c.kubectl(['apply', '--server-side', '-k', join(deployDir, 'overlays/default')]);
  assert.equal(r.code, 0, r.stderr);
});

for (const overlay of [...OVERLAYS.filter((o) => o !== 'default'), 'default']) {
  test(`real apply of ${overlay}: the agents roll to it on every node`, async () => {
    // --force-conflicts: moving to another variant changes fields (the ConfigMap reference, the
    // security context) that the extension's field manager set; taking them over is the point.
    const r = await c.kubectl(['apply', '--server-side', '--force-conflicts', '-k', join(deployDir, 'overlays', overlay)]);
    assert.equal(r.code, 0, `${overlay}: ${r.stderr}`);
    await waitRolledOut(overlay);
    const want = CONFIG_FOR[overlay];
    const live = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
    assert.equal(live.spec?.template.spec?.containers[0].securityContext?.privileged ?? false, want.privileged);
  });
}

/** The DaemonSet runs the overlay's pod template on every node, and the hub is available. */
async function waitRolledOut(overlay: string): Promise<void> {
  const cm = container(byKind(rendered.get(overlay)!, 'DaemonSet', 'nodemend-agent')).envFrom?.[0].configMapRef?.name;
  await waitFor(`agents of ${overlay} on ${nodes.length} nodes`, async () => {
    const ds = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
    const s = ds.status;
    if (!s || s.observedGeneration !== ds.metadata?.generation) return false;
    if (s.desiredNumberScheduled !== nodes.length || s.updatedNumberScheduled !== nodes.length || s.numberReady !== nodes.length) return false;
    const pods = (await c.core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=agent' })).items;
    return pods.length === nodes.length && pods.every((p) => p.spec?.containers[0].envFrom?.[0].configMapRef?.name === cm && p.status?.phase === 'Running');
  }, 120_000);
  await waitFor('hub available', async () => (await c.apps.readNamespacedDeployment({ name: 'nodemend-hub', namespace: NS })).status?.availableReplicas === 1, 60_000);
}

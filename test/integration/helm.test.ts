// charts/nodemend against deploy/ and a real API server: the chart lints with every variant's
// values; with them it renders exactly the objects kustomize renders for the matching overlay (as
// deploy/ is now: a change there that the chart does not follow fails here); each value the chart
// offers reaches the object it should; mistakes are refused naming the field; and `helm install`
// then `helm upgrade` of a changed setting really roll the agents on simulated nodes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { helmBin, repoRoot } from '../../tools/harness/binaries.ts';
import { kubectlPath, kustomize, OVERLAYS } from '../../deploy/render.ts';
import { buildInfo } from '../../backend/shared/build-info.ts';
import type { Manifest } from '../../extension/kube/manifests.ts';
import { FLAGS, envName } from '../../backend/agent/config/flags.ts';
import { parseConfig } from '../../backend/agent/config/config.ts';
import { byKind, container, CONFIG_FOR } from './deploy-support.ts';

const chart = join(repoRoot, 'charts/nodemend');
const NS = 'nodemend';
/** The values file of each overlay: ci/<overlay>-values.yaml; the default overlay is the defaults. */
const valuesOf = (overlay: string): string[] => (overlay === 'default' ? [] : ['-f', join(chart, 'ci', `${overlay}-values.yaml`)]);

// Helm keeps its own config, cache and data in a folder of this run, not in the user's home.
const helmHome = mkdtempSync(join(tmpdir(), 'nodemend-helm-'));
const helmEnv = { ...process.env, HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_DATA_HOME: join(helmHome, 'data') };

function helm(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(helmBin(), 'helm'), args, { env: helmEnv, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `helm template` of the chart with these arguments, parsed; fails the test on an error. */
async function render(...args: string[]): Promise<Manifest[]> {
  const r = await helm(['template', 'nodemend', chart, ...args]);
  assert.equal(r.code, 0, `helm template ${args.join(' ')}: ${r.stderr}`);
  return load(r.stdout);
}

const load = (yaml: string) => (k8s.loadAllYaml(yaml) as Manifest[]).filter(Boolean).map((o) => JSON.parse(JSON.stringify(o)) as Manifest);
const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objs: Manifest[]) => Object.fromEntries([...objs].sort((a, b) => key(a).localeCompare(key(b))).map((o) => [key(o), o]));
const agentConfig = (objs: Manifest[]) => {
  const name = container(byKind(objs, 'DaemonSet', 'nodemend-agent')).envFrom?.[0].configMapRef?.name ?? '';
  return byKind(objs, 'ConfigMap', name).data as Record<string, string>;
};
const podSpec = (objs: Manifest[], kind = 'DaemonSet', name = 'nodemend-agent') => (byKind(objs, kind, name).spec as k8s.V1DaemonSetSpec).template.spec!;

after(() => rmSync(helmHome, { recursive: true, force: true }));

test('every values file in ci/ is a deploy/ overlay (ci/<overlay>-values.yaml)', () => {
  const files = readdirSync(join(chart, 'ci')).sort();
  assert.deepEqual(files, OVERLAYS.filter((o) => o !== 'default').map((o) => `${o}-values.yaml`).sort());
});

for (const overlay of OVERLAYS) {
  test(`${overlay}: helm lint --strict passes`, async () => {
    const r = await helm(['lint', '--strict', chart, ...valuesOf(overlay)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test(`${overlay}: the chart renders exactly what kustomize renders for deploy/overlays/${overlay}`, async () => {
    // No exclusions: the chart adds no labels of its own (Helm's managed-by label and release
    // annotations are stamped at install time and are checked there), and names its agent
    // ConfigMap with kustomize's hash, so every object compares whole.
    const want = byKey(load(kustomize(overlay)));
    const have = byKey(await render(...valuesOf(overlay)));
    const only = (a: object, b: object) => Object.keys(a).filter((k) => !(k in b));
    const follow = 'charts/nodemend/templates follow deploy/: change them alike';
    assert.deepEqual({ onlyInKustomize: only(want, have), onlyInChart: only(have, want) }, { onlyInKustomize: [], onlyInChart: [] }, `the same objects (${follow})`);
    for (const k of Object.keys(want)) assert.deepEqual(have[k], want[k], `${k} (${follow})`);
    // And the overlay's promises hold in the chart's render too (the same table as deploy-manifests).
    const objs = Object.values(have);
    const spec = podSpec(objs);
    const sc = container(byKind(objs, 'DaemonSet', 'nodemend-agent')).securityContext ?? {};
    assert.equal(spec.hostPID ?? false, CONFIG_FOR[overlay].hostPID, 'hostPID');
    assert.equal(sc.privileged ?? false, CONFIG_FOR[overlay].privileged, 'privileged');
    for (const [k, v] of Object.entries(CONFIG_FOR[overlay].env)) assert.equal(agentConfig(objs)[k], v, k);
  });
}

test('values files combine as kustomize components do: signal-reboot + per-zone-concurrency', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-overlay-'));
  try {
    const deploy = relative(dir, join(repoRoot, 'deploy')); // kustomize takes no absolute roots
    writeFileSync(join(dir, 'kustomization.yaml'), [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${join(deploy, 'base')}]`,
      `components: [${join(deploy, 'components/signal-reboot')}, ${join(deploy, 'components/per-zone-concurrency')}]`,
      '',
    ].join('\n'));
    const want = byKey(load(execFileSync(kubectlPath(), ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 << 20 })));
    const have = byKey(await render(...valuesOf('signal-reboot'), ...valuesOf('per-zone-concurrency')));
    assert.deepEqual(Object.keys(have), Object.keys(want));
    for (const k of Object.keys(want)) assert.deepEqual(have[k], want[k], k);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration: every key is an agent flag, and every flag a chart user may set has a key', () => {
  const values = k8s.loadYaml(readFileSync(join(chart, 'values.yaml'), 'utf8')) as { configuration: Record<string, unknown> };
  const snake = (k: string) => `NODEMEND_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  const keys = Object.keys(values.configuration);
  for (const k of keys) assert.ok(FLAGS.some((f) => envName('NODEMEND', f.name) === snake(k)), `configuration.${k} is no agent flag (backend/agent/config/flags.ts)`);
  // Set by the chart itself (node-id from the pod, the namespaces from namespace.name), not for
  // a chart (kubeconfig), or Kured-only flags the agent accepts and ignores (its help says so).
  const notKeys = ['node-id', 'kubeconfig', 'ds-namespace', 'ds-name', 'lock-namespace'];
  for (const f of FLAGS) {
    if (notKeys.includes(f.name) || f.help.startsWith('Kured only')) continue;
    assert.ok(keys.some((k) => snake(k) === envName('NODEMEND', f.name)), `agent flag --${f.name} has no configuration key in charts/nodemend/values.yaml`);
  }
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));
  assert.deepEqual(Object.keys(schema.properties.configuration.properties).sort(), [...keys].sort(), 'values.schema.json lists the same configuration keys');
});

test('configuration: a key becomes NODEMEND_<KEY>, lists joined with ";", false kept, unset left out', async () => {
  const objs = await render(
    '--set', 'configuration.drainPrecheck=false',
    '--set', 'configuration.rebootDays={mon,tue}',
    '--set', 'configuration.windowCron[0]=0 2 * * sat for 4h',
    '--set-string', 'configuration.notifyUrl=https://hooks.example/x',
    '--set', 'configuration.rebootSentinel=/run/nodemend/reboot-needed',
    '--set-json', 'configuration.skipWaitForDeleteTimeout=1000000',
  );
  const data = agentConfig(objs);
  assert.equal(data.NODEMEND_DRAIN_PRECHECK, 'false');
  assert.equal(data.NODEMEND_REBOOT_DAYS, 'mon;tue');
  assert.equal(data.NODEMEND_WINDOW_CRON, '0 2 * * sat for 4h');
  assert.equal(data.NODEMEND_NOTIFY_URL, 'https://hooks.example/x');
  assert.equal(data.NODEMEND_PERIOD, undefined, 'unset: the agent default applies');
  assert.equal(data.NODEMEND_SKIP_WAIT_FOR_DELETE_TIMEOUT, '1000000', 'a number read as a float prints whole');
  // The sentinel's host directory is what is mounted, under /host.
  assert.equal(data.NODEMEND_REBOOT_SENTINEL, '/host/run/nodemend/reboot-needed');
  const spec = podSpec(objs);
  assert.equal(spec.volumes?.find((v) => v.name === 'host-run')?.hostPath?.path, '/run/nodemend');
  assert.equal(container(byKind(objs, 'DaemonSet', 'nodemend-agent')).volumeMounts?.find((m) => m.name === 'host-run')?.mountPath, '/host/run/nodemend');
  // Emptied, the sentinel falls back to the default host path (the agent's own default would be a
  // path inside its container, which the host never writes).
  for (const empty of ['configuration.rebootSentinel=', 'configuration.rebootSentinel=null']) {
    assert.equal(agentConfig(await render('--set', empty)).NODEMEND_REBOOT_SENTINEL, '/host/var/run/reboot-required', empty);
  }
  // A changed setting is a new ConfigMap name: the DaemonSet's pod template changes and the agents roll.
  const base = container(byKind(await render(), 'DaemonSet', 'nodemend-agent')).envFrom?.[0].configMapRef?.name;
  assert.notEqual(container(byKind(objs, 'DaemonSet', 'nodemend-agent')).envFrom?.[0].configMapRef?.name, base);
});

// Every configuration key, set: the nodemend windows in one render, Kured's in the other (the agent
// takes one kind or the other).
const ALL_A = `configuration:
  period: 30s
  rebootOnCondition: ["KernelDeadlock=True:for 5m", ReadonlyFilesystem=True]
  conditionIgnoreWindow: [ReadonlyFilesystem]
  conditionClearTimeout: 20m
  conditionRebootsPerHour: 3
  conditionMaxShare: 25%
  timeZone: Europe/Berlin
  window: ["sat 01:00-05:00 UTC", "sun 01:00-05:00"]
  windowCron: ["0 2 * * wed for 2h"]
  windowCronDuration: 2h
  rebootDelay: 10s
  drainDelay: 5s
  concurrency: 3
  concurrencyScope: topology.kubernetes.io/zone
  concurrencyPerScope: 2
  lockReleaseDelay: 1m
  maxRebootDuration: 20m
  staleLockGrace: 3m
  kuredDsNamespace: kured
  kuredDsName: kured-ds
  kuredLockAnnotation: example.com/lock
  prometheusUrl: http://prometheus.monitoring.svc:9090
  alertFilterRegexp: ^Watchdog$
  alertFilterMatchOnly: false
  alertFiringOnly: true
  blockingPodSelector: [app=critical, tier=db]
  drainGracePeriod: 60
  drainTimeout: 15m
  skipWaitForDeleteTimeout: 600
  drainPodSelector: app!=keep
  drainDeleteEmptydirData: false
  drainUnmanagedPods: false
  drainPrecheck: false
  forceReboot: true
  preferNoScheduleTaint: nodemend.dev/reboot-pending
  rebootMethod: signal
  rebootSignal: 40
  rebootVerifyTimeout: 5m
  preRebootNodeLabels: [agent.nodemend.dev/rebooting=true]
  postRebootNodeLabels: [agent.nodemend.dev/rebooting=false, agent.nodemend.dev/done=true]
  healthGate: true
  healthGateTimeout: 20m
  notifyUrl: https://hooks.example/nodemend
  notifyFormat: json
  messageTemplateDrain: "Draining %s"
  messageTemplateReboot: "Rebooting %s"
  messageTemplateUncordon: "Back: %s"
  metricsHost: 0.0.0.0
  metricsPort: 9100
  logFormat: text
  logLevel: debug
  dryRun: true
`;
const ALL_B = `configuration:
  rebootSentinel: /var/run/reboot-required
  rebootSentinelCommand: "/usr/bin/needs-restarting -r"
  rebootDays: [mo, tu, we]
  startTime: "22:00"
  endTime: "06:00"
  rebootCommand: /sbin/reboot
  slackHookUrl: https://hooks.slack.com/services/T01234567/B01234567/abcdefghijklmnopqrstuvwx
`;

/** The agent's own parser on what the chart hands a pod: its args, its ConfigMap, NODE_ID. */
function agentParse(objs: Manifest[]) {
  const ct = container(byKind(objs, 'DaemonSet', 'nodemend-agent'));
  assert.equal(ct.args?.[0], 'agent');
  return parseConfig(ct.args!.slice(1), { ...agentConfig(objs), NODE_ID: 'n1' });
}

test('the agent\'s own parser accepts every configuration key as the chart writes it', async () => {
  const a = join(helmHome, 'all-a.yaml');
  const b = join(helmHome, 'all-b.yaml');
  writeFileSync(a, ALL_A);
  writeFileSync(b, ALL_B);
  // Every key of values.yaml is exercised here: a new one must be added above.
  const keys = (t: string) => Object.keys((k8s.loadYaml(t) as { configuration: object }).configuration);
  const all = (k8s.loadYaml(readFileSync(join(chart, 'values.yaml'), 'utf8')) as { configuration: object }).configuration;
  assert.deepEqual([...keys(ALL_A), ...keys(ALL_B)].sort(), Object.keys(all).sort());

  const objsA = await render('-f', a);
  const ra = agentParse(objsA);
  assert.ok(ra.ok, ra.ok ? '' : ra.errors.join('; '));
  const ca = ra.config;
  assert.equal(ca.periodMs, 30_000);
  assert.equal(ca.windows.length, 3);
  assert.deepEqual([ca.concurrency, ca.scope], [3, { label: 'topology.kubernetes.io/zone', limit: 2 }]);
  assert.deepEqual(ca.kured, { namespace: 'kured', name: 'kured-ds', annotation: 'example.com/lock' });
  assert.equal(ca.prometheus?.url, 'http://prometheus.monitoring.svc:9090/');
  assert.equal(ca.prometheus?.firingOnly, true);
  assert.deepEqual(ca.blockingPodSelectors, ['app=critical', 'tier=db']);
  assert.deepEqual(ca.conditions, { rules: [{ type: 'KernelDeadlock', status: 'True', forMs: 300_000, urgent: false }, { type: 'ReadonlyFilesystem', status: 'True', forMs: 0, urgent: true }], clearTimeoutMs: 1_200_000, perHour: 3, maxShare: 0.25 });
  assert.deepEqual([ca.drainPrecheck, ca.forceReboot, ca.healthGate, ca.dryRun], [false, true, true, true]);
  assert.deepEqual(ca.reboot, { method: 'signal', signal: 40 });
  assert.deepEqual(ca.postRebootLabels, { 'agent.nodemend.dev/rebooting': 'false', 'agent.nodemend.dev/done': 'true' });
  assert.deepEqual(ca.metrics, { host: '0.0.0.0', port: 9100 });
  assert.deepEqual([ca.logFormat, ca.logLevel], ['text', 'debug']);
  assert.equal(ca.lockNamespace, NS);
  // The metrics port reaches the container port and the scrape annotation too.
  const dsA = byKind(objsA, 'DaemonSet', 'nodemend-agent').spec as k8s.V1DaemonSetSpec;
  assert.equal(dsA.template.spec!.containers[0].ports?.[0].containerPort, 9100);
  assert.equal(dsA.template.metadata?.annotations?.['prometheus.io/port'], '9100');

  const objsB = await render('-f', b);
  const rb = agentParse(objsB);
  assert.ok(rb.ok, rb.ok ? '' : rb.errors.join('; '));
  assert.deepEqual(rb.config.sentinel, { kind: 'command', argv: ['/usr/bin/needs-restarting', '-r'] });
  assert.equal(rb.config.windows.length, 1, "Kured's days and hours make one window");
  assert.deepEqual(rb.config.reboot, { method: 'command', argv: ['/sbin/reboot'] });
  assert.ok(rb.config.notify, 'slackHookUrl becomes the notification target');
  // A sentinel command enters the host's mount namespace: the privileged container in the host PID
  // namespace, whatever the method, dry run included.
  assert.equal(container(byKind(objsB, 'DaemonSet', 'nodemend-agent')).securityContext?.privileged, true);
  const dry = await render('-f', b, '--set', 'configuration.dryRun=true');
  assert.equal(podSpec(dry).hostPID, true);
  assert.equal(podSpec(dry).securityContext, undefined, 'no runAsNonRoot for a root container');
  assert.equal(container(byKind(dry, 'DaemonSet', 'nodemend-agent')).securityContext?.privileged, true);
});

test('image: tag defaults to appVersion, a digest wins over the tag; pull secrets on both workloads', async () => {
  const img = (objs: Manifest[]) => [container(byKind(objs, 'DaemonSet', 'nodemend-agent')).image, container(byKind(objs, 'Deployment', 'nodemend-hub')).image];
  // appVersion is package.json's version (scripts/release-version.ts keeps them equal).
  assert.deepEqual(img(await render()), [`ghcr.io/nodemend/nodemend:${buildInfo.version}`, `ghcr.io/nodemend/nodemend:${buildInfo.version}`]);
  assert.deepEqual(img(await render('--set', 'image.repository=registry.example/nm', '--set', 'image.tag=0.2.0')), ['registry.example/nm:0.2.0', 'registry.example/nm:0.2.0']);
  const digest = 'sha256:' + 'ab'.repeat(32);
  const objs = await render('--set', 'image.tag=0.2.0', '--set', `image.digest=${digest}`, '--set', 'image.pullSecrets[0].name=regcred');
  assert.deepEqual(img(objs), [`ghcr.io/nodemend/nodemend@${digest}`, `ghcr.io/nodemend/nodemend@${digest}`]);
  assert.deepEqual(podSpec(objs).imagePullSecrets, [{ name: 'regcred' }]);
  assert.deepEqual(podSpec(objs, 'Deployment', 'nodemend-hub').imagePullSecrets, [{ name: 'regcred' }]);
});

test('extraArgs become flags, extraEnvVars env entries (a Secret reference too)', async () => {
  const objs = await render(
    '--set', 'extraArgs.log-level=debug',
    '--set', 'extraArgs.health-gate=true',
    '--set', 'extraArgs.window={mon 22:00-23:00,sat 01:00-05:00}',
    '--set', 'extraEnvVars[0].name=NODEMEND_NOTIFY_URL',
    '--set', 'extraEnvVars[0].valueFrom.secretKeyRef.name=nodemend-notify',
    '--set', 'extraEnvVars[0].valueFrom.secretKeyRef.key=url',
  );
  const ct = container(byKind(objs, 'DaemonSet', 'nodemend-agent'));
  assert.deepEqual(ct.args, ['agent', '--health-gate', '--log-level=debug', '--window=mon 22:00-23:00', '--window=sat 01:00-05:00']);
  assert.deepEqual(ct.env?.at(-1), { name: 'NODEMEND_NOTIFY_URL', valueFrom: { secretKeyRef: { name: 'nodemend-notify', key: 'url' } } });
  assert.equal(ct.env?.find((e) => e.name === 'NODE_ID')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName', 'NODE_ID stays');
});

test('scheduling and resources: tolerations, nodeSelector, affinity, resources replace the defaults', async () => {
  const objs = await render(
    '--set', 'tolerations[0].key=dedicated', '--set', 'tolerations[0].operator=Exists',
    '--set', 'nodeSelector.nodemend\\.dev/pool=p1',
    '--set', 'resources.limits.memory=256Mi',
    '--set', 'hub.nodeSelector.role=infra',
  );
  const spec = podSpec(objs);
  assert.deepEqual(spec.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
  assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'linux', 'nodemend.dev/pool': 'p1' });
  assert.equal(spec.containers[0].resources?.limits?.memory, '256Mi');
  assert.deepEqual(podSpec(objs, 'Deployment', 'nodemend-hub').nodeSelector, { role: 'infra' });
});

test('metrics.create: a ServiceMonitor and the agents\' metrics Service; service.create: the Service alone', async () => {
  const none = await render();
  assert.ok(!none.some((o) => o.kind === 'ServiceMonitor' || key(o) === 'Service/nodemend/nodemend-agent'));
  const m = await render('--set', 'metrics.create=true', '--set', 'metrics.labels.release=kube-prometheus', '--set', 'metrics.namespace=monitoring');
  const sm = byKind(m, 'ServiceMonitor', 'nodemend-agent');
  assert.equal(sm.metadata.namespace, 'monitoring');
  assert.equal((sm.metadata.labels as Record<string, string>).release, 'kube-prometheus');
  const smSpec = sm.spec as { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: { port: string }[] };
  assert.deepEqual(smSpec.namespaceSelector.matchNames, [NS]);
  assert.equal(smSpec.endpoints[0].port, 'metrics');
  const svc = byKind(m, 'Service', 'nodemend-agent');
  const svcSpec = svc.spec as k8s.V1ServiceSpec;
  assert.deepEqual(svcSpec.selector, smSpec.selector.matchLabels, 'the ServiceMonitor selects the Service');
  assert.deepEqual(Object.fromEntries(Object.entries(svc.metadata.labels as Record<string, string>).filter(([k]) => k in smSpec.selector.matchLabels)), smSpec.selector.matchLabels);
  assert.deepEqual(svcSpec.selector, (byKind(m, 'DaemonSet', 'nodemend-agent').spec as k8s.V1DaemonSetSpec).selector.matchLabels, 'the Service selects the agents');
  assert.equal(svcSpec.ports?.[0].targetPort, 'metrics');
  const s = await render('--set', 'service.create=true', '--set', 'service.port=9100');
  assert.ok(!s.some((o) => o.kind === 'ServiceMonitor'));
  assert.equal((byKind(s, 'Service', 'nodemend-agent').spec as k8s.V1ServiceSpec).ports?.[0].port, 9100);
});

test('hub.enabled=false: no hub workload, Service, account or roles; the agent and the roles for people stay', async () => {
  const objs = await render('--set', 'hub.enabled=false');
  const hub = objs.filter((o) => o.metadata.name.startsWith('nodemend-hub'));
  assert.deepEqual(hub.map(key), []);
  byKind(objs, 'DaemonSet', 'nodemend-agent');
  byKind(objs, 'ClusterRole', 'nodemend-requester');
});

test('namespace.name: every namespaced object, the lock Leases, the agent\'s and the hub\'s view move with it', async () => {
  const objs = await render('--set', 'namespace.name=reboots');
  for (const o of objs) {
    const ns = o.metadata.namespace;
    // Not the Roles that must sit elsewhere: the API server's addresses (default), Kured's DaemonSet (its namespace).
    if (ns !== undefined && !['default', 'kube-system'].includes(ns)) assert.equal(ns, 'reboots', key(o));
  }
  byKind(objs, 'Namespace', 'reboots');
  const data = agentConfig(objs);
  assert.equal(data.NODEMEND_LOCK_NAMESPACE, 'reboots');
  assert.equal(data.NODEMEND_DS_NAMESPACE, 'reboots');
  assert.ok(container(byKind(objs, 'Deployment', 'nodemend-hub')).args?.includes('--namespace=reboots'));
  for (const o of objs.filter((x) => x.kind.endsWith('Binding'))) {
    for (const s of (o as unknown as k8s.V1RoleBinding).subjects ?? []) assert.equal(s.namespace, 'reboots', key(o));
  }
  assert.ok(!(await render('--set', 'namespace.create=false')).some((o) => o.kind === 'Namespace'));
});

test('kuredCutover: the read-only Role follows Kured\'s namespace and name; off, no Role and the agent told so', async () => {
  const moved = await render('--set', 'configuration.kuredDsNamespace=kured', '--set', 'configuration.kuredDsName=kured-ds');
  const role = byKind(moved, 'Role', 'nodemend-agent-kured-cutover') as unknown as k8s.V1Role;
  assert.equal(role.metadata?.namespace, 'kured');
  assert.deepEqual(role.rules?.[0].resourceNames, ['kured-ds']);
  assert.equal(byKind(moved, 'RoleBinding', 'nodemend-agent-kured-cutover').metadata.namespace, 'kured');
  assert.equal(agentConfig(moved).NODEMEND_KURED_DS_NAME, 'kured-ds');
  const off = await render('--set', 'kuredCutover.enabled=false');
  assert.ok(!off.some((o) => o.metadata.name === 'nodemend-agent-kured-cutover'));
  assert.deepEqual(container(byKind(off, 'DaemonSet', 'nodemend-agent')).args, ['agent', '--kured-ds-name=']);
});

test('mistakes are refused, naming the value: unknown or Kured-only keys, a bad method, a relative sentinel', async () => {
  const kured = await helm(['template', 'nodemend', chart, '--set', 'configuration.lockTtl=30m']);
  assert.notEqual(kured.code, 0);
  assert.match(kured.stderr, /configuration.*lockTtl/);
  const typo = await helm(['template', 'nodemend', chart, '--set', 'configuration.rebootMethd=signal']);
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /rebootMethd/);
  const method = await helm(['template', 'nodemend', chart, '--set', 'configuration.rebootMethod=reboot']);
  assert.notEqual(method.code, 0);
  assert.match(method.stderr, /configuration\/rebootMethod/);
  // A values file written for Kured's chart: what nodemend has no use for is named, the rest is taken.
  const kuredValues = join(helmHome, 'kured-values.yaml');
  writeFileSync(kuredValues, 'configuration:\n  useRebootSentinelHostPath: true\n  drainDelay: 0\n  lockReleaseDelay: 0\n  concurrency: 2\nrbac:\n  create: true\n');
  const fromKured = await helm(['template', 'nodemend', chart, '-f', kuredValues]);
  assert.notEqual(fromKured.code, 0);
  assert.match(fromKured.stderr, /at '\/configuration': additional properties 'useRebootSentinelHostPath' not allowed/);
  assert.match(fromKured.stderr, /at '': additional properties 'rbac' not allowed/);
  assert.doesNotMatch(fromKured.stderr, /drainDelay|lockReleaseDelay|concurrency/, 'Kured\'s numbers for durations are taken');
  const sentinel = await helm(['template', 'nodemend', chart, '--set', 'configuration.rebootSentinel=var/run/reboot-required']);
  assert.notEqual(sentinel.code, 0);
  assert.match(sentinel.stderr, /configuration\.rebootSentinel: "var\/run\/reboot-required" is not an absolute path/);
});

// ---- helm install and helm upgrade on a real API server with simulated nodes ----

let c: TestCluster;
let nodes: string[] = [];
let kubeconfig = '';

before(async () => {
  c = await startCluster();
  kubeconfig = c.kubeconfigPath;
  nodes = await c.addNodes(3, { prefix: 'h', zones: ['a', 'b'] });
});
after(async () => {
  await c?.stop();
});

/** The DaemonSet runs pods pointing at this ConfigMap on every node, and the hub is available. */
async function rolledOut(configMap: string): Promise<void> {
  await waitFor(`agents on ${nodes.length} nodes with ${configMap}`, async () => {
    const ds = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
    const s = ds.status;
    if (!s || s.observedGeneration !== ds.metadata?.generation || s.updatedNumberScheduled !== nodes.length || s.numberReady !== nodes.length) return false;
    const pods = (await c.core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=agent' })).items;
    return pods.length === nodes.length && pods.every((p) => p.spec?.containers[0].envFrom?.[0].configMapRef?.name === configMap && p.status?.phase === 'Running');
  }, 120_000);
  await waitFor('hub available', async () => (await c.apps.readNamespacedDeployment({ name: 'nodemend-hub', namespace: NS })).status?.availableReplicas === 1, 60_000);
}

const defaultConfigMap = (): string => container(byKind(load(kustomize('default')), 'DaemonSet', 'nodemend-agent')).envFrom?.[0].configMapRef?.name ?? '';

test('helm install: the default objects in a cluster without nodemend, one agent per node, the hub up', async () => {
  const r = await helm(['install', 'nodemend', chart, '--kubeconfig', kubeconfig, '--namespace', 'default']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /nodemend 0\.1\.0 runs in namespace nodemend: one agent per node, and the hub\./, 'NOTES.txt');
  const cm = defaultConfigMap();
  await rolledOut(cm);
  const ns = await c.core.readNamespace({ name: NS });
  assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  const ds = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
  // Helm's own marks, stamped at install: the release owns the object.
  assert.equal(ds.metadata?.labels?.['app.kubernetes.io/managed-by'], 'Helm');
  assert.equal(ds.metadata?.annotations?.['meta.helm.sh/release-name'], 'nodemend');
  assert.equal(ds.spec?.template.spec?.containers[0].securityContext?.privileged, true);
  const data = (await c.core.readNamespacedConfigMap({ name: cm, namespace: NS })).data;
  assert.equal(data?.NODEMEND_REBOOT_METHOD, 'command');
  const pods = (await c.core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=agent' })).items;
  assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), [...nodes].sort());
});

test('helm upgrade with changed values: a new ConfigMap, the DaemonSet points to it, the agents roll, the old one goes', async () => {
  const old = defaultConfigMap();
  const r = await helm(['upgrade', 'nodemend', chart, '--kubeconfig', kubeconfig, '--namespace', 'default', '--set', 'configuration.concurrency=2', '--set', 'configuration.rebootMethod=signal']);
  assert.equal(r.code, 0, r.stderr);
  const ds = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
  const cm = ds.spec?.template.spec?.containers[0].envFrom?.[0].configMapRef?.name ?? '';
  assert.notEqual(cm, old);
  const data = (await c.core.readNamespacedConfigMap({ name: cm, namespace: NS })).data;
  assert.equal(data?.NODEMEND_CONCURRENCY, '2');
  assert.equal(data?.NODEMEND_REBOOT_METHOD, 'signal');
  const sc = ds.spec?.template.spec?.containers[0].securityContext;
  assert.equal(sc?.privileged, false, 'signal method: no privileged container');
  assert.deepEqual(JSON.parse(JSON.stringify(sc?.capabilities)), { add: ['KILL'], drop: ['ALL'] });
  await rolledOut(cm);
  await assert.rejects(c.core.readNamespacedConfigMap({ name: old, namespace: NS }), 'the old ConfigMap is removed with the release revision');
  const history = await helm(['history', 'nodemend', '--kubeconfig', kubeconfig, '--namespace', 'default', '-o', 'json']);
  assert.deepEqual((JSON.parse(history.stdout) as { revision: number; status: string }[]).map((h) => [h.revision, h.status]), [[1, 'superseded'], [2, 'deployed']]);
});

test('helm uninstall removes what the chart made', async () => {
  const r = await helm(['uninstall', 'nodemend', '--kubeconfig', kubeconfig, '--namespace', 'default']);
  assert.equal(r.code, 0, r.stderr);
  for (const [kind, name] of [['clusterrole', 'nodemend-agent'], ['priorityclass', 'nodemend-agent'], ['validatingadmissionpolicy', 'nodemend-requester-annotations-only']] as const) {
    const got = await c.kubectl(['get', kind, name]);
    assert.notEqual(got.code, 0, `${kind}/${name} is gone`);
  }
  await waitFor('DaemonSet gone', async () => !(await c.apps.listNamespacedDaemonSet({ namespace: NS })).items.length, 60_000);
});

test('helm install --take-ownership adopts an install made with kubectl apply -k, in place', async () => {
  await waitFor('namespace nodemend gone after the uninstall', async () => (await c.kubectl(['get', 'namespace', NS])).code !== 0, 120_000);
  const applied = await c.kubectl(['apply', '--server-side', '-k', join(repoRoot, 'deploy/overlays/default')]);
  assert.equal(applied.code, 0, applied.stderr);
  await rolledOut(defaultConfigMap());
  const uid = (await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS })).metadata?.uid;
  const plain = await helm(['install', 'nodemend', chart, '--kubeconfig', kubeconfig, '--namespace', 'default']);
  assert.notEqual(plain.code, 0, 'without --take-ownership Helm refuses objects it does not own');
  assert.match(plain.stderr, /exists and cannot be imported into the current release/);
  const r = await helm(['install', 'nodemend', chart, '--kubeconfig', kubeconfig, '--namespace', 'default', '--take-ownership']);
  assert.equal(r.code, 0, r.stderr);
  const ds = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
  assert.equal(ds.metadata?.uid, uid, 'the same DaemonSet, not a new one');
  assert.equal(ds.metadata?.labels?.['app.kubernetes.io/managed-by'], 'Helm');
  assert.equal(ds.metadata?.annotations?.['meta.helm.sh/release-name'], 'nodemend');
  await rolledOut(defaultConfigMap());
});

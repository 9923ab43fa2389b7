// The monitoring pack (monitoring/, deploy/components/monitoring, the chart's monitoring-*.yaml):
// promtool finds the rules valid and their unit tests pass; every rule and dashboard query parses
// and reads only metrics (and labels) the agent and the hub export, or the few kube-state-metrics
// series the docs name; the written objects are what scripts/monitoring-render.ts makes; and
// kustomize and Helm render the same objects from them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { helmBin, repoRoot } from '../../tools/harness/binaries.ts';
import { kubectlPath } from '../../deploy/render.ts';
import { DASHBOARD, RULES, stale } from '../../scripts/monitoring-render.ts';
import { OUTSIDE_METRICS, TARGET_LABELS, exportedSeries, promtool, selectors, withoutGrafanaVariables } from './promql.ts';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
}
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: { groups: unknown }; data?: Record<string, string> };

const rules = (k8s.loadYaml(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: { name: string }[] } };
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

function run(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: repoRoot, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** Each metric an expression reads exists, and its label matchers name labels it has. */
function checkSeries(where: string, expr: string): void {
  const known = exportedSeries();
  const found = selectors(expr);
  assert.ok(found.length > 0, `${where}: reads no metric: ${expr}`);
  for (const { metric, labels } of found) {
    if (OUTSIDE_METRICS.includes(metric)) continue;
    const have = known.get(metric);
    assert.ok(have, `${where}: ${metric} is not a metric of the agent or the hub`);
    for (const l of labels) assert.ok(have.includes(l) || TARGET_LABELS.includes(l), `${where}: ${metric} has no label ${l}`);
  }
}

test('the metric check itself: it finds each metric of an expression and refuses unknown ones and labels', () => {
  assert.deepEqual(
    selectors('sum by (node) (increase(nodemend_reboots_total{outcome="failed"}[1h])) > 0 or (x unless y offset 1h) * on (node) group_left vector(0)'),
    [{ metric: 'nodemend_reboots_total', labels: ['outcome'] }, { metric: 'x', labels: [] }, { metric: 'y', labels: [] }],
  );
  assert.throws(() => checkSeries('t', 'sum(nodemend_no_such_metric)'), /not a metric/);
  assert.throws(() => checkSeries('t', 'nodemend_lock_held{zone="a"}'), /no label zone/);
  assert.throws(() => checkSeries('t', 'vector(1)'), /reads no metric/);
  checkSeries('t', 'histogram_quantile(0.9, sum by (le) (rate(nodemend_drain_duration_seconds_bucket{result="ok",pod="p"}[5m])))');
});

test('promtool check rules: the rule file is valid', async () => {
  const r = await run(promtool(), ['check', 'rules', RULES]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, new RegExp(`SUCCESS: ${rules.length} rules found`));
});

test('promtool test rules: every alert fires in its unit tests, and those tests pass', async () => {
  const tests = k8s.loadYaml(readFileSync(join(repoRoot, 'monitoring/rules.test.yaml'), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
  const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const r of rules.filter((x) => x.alert)) assert.ok(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length > 0), `${r.alert}: no unit test where it fires`);
  const r = await run(promtool(), ['test', 'rules', 'monitoring/rules.test.yaml']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
});

test('every rule reads only metrics that exist, with labels they have', () => {
  assert.ok(rules.length >= 8);
  for (const r of rules) checkSeries(r.alert ?? r.record ?? '?', r.expr);
});

test('every dashboard panel has queries; each parses with promtool and reads only metrics that exist', async () => {
  assert.equal(dashboard.uid, 'nodemend-fleet');
  assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['datasource', 'node']);
  for (const p of dashboard.panels.filter((x) => x.type !== 'row')) assert.ok(p.targets?.length && p.targets.every((t) => t.expr), `panel ${p.title} has no query`);
  for (const q of queries) {
    checkSeries(`panel ${q.panel}`, q.expr);
    const r = await run(promtool(), ['--experimental', 'promql', 'format', withoutGrafanaVariables(q.expr)]);
    assert.equal(r.code, 0, `panel ${q.panel}: promtool cannot parse ${q.expr}: ${r.out}`);
  }
  // The pack covers fleet phases, the queue, drain and reboot durations, outcomes and the hub.
  const all = queries.map((q) => q.expr).join('\n');
  for (const m of ['nodemend_reboot_required', 'nodemend_lock_held', 'nodemend_blocked', 'nodemend_drain_duration_seconds_bucket', 'nodemend_reboots_total', 'nodemend_hub_watches_healthy', 'nodemend_hub_nodes', 'nodemend_hub_reboot_stage_seconds_bucket']) assert.ok(all.includes(m), m);
});

test('promtool refuses a query that does not parse (the parse check can fail)', async () => {
  const r = await run(promtool(), ['--experimental', 'promql', 'format', 'sum by (node (nodemend_lock_held)']);
  assert.notEqual(r.code, 0);
});

test('the PrometheusRule and dashboard objects are what scripts/monitoring-render.ts writes', () => {
  assert.deepEqual(stale(), [], 'run node scripts/monitoring-render.ts');
});

const load = (yaml: string) => (k8s.loadAllYaml(yaml) as Obj[]).filter(Boolean).map((o) => JSON.parse(JSON.stringify(o)) as Obj);
const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objs: Obj[]) => Object.fromEntries([...objs].sort((a, b) => key(a).localeCompare(key(b))).map((o) => [key(o), o]));
const ENABLE = ['--set', 'monitoring.podMonitor.enabled=true,monitoring.prometheusRule.enabled=true,monitoring.dashboard.enabled=true'];

async function helmTemplate(...args: string[]): Promise<Obj[]> {
  const r = await run(join(helmBin(), 'helm'), ['template', 'nodemend', join(repoRoot, 'charts/nodemend'), ...args]);
  assert.equal(r.code, 0, r.out);
  return load(r.out);
}

test('kustomize with deploy/components/monitoring renders exactly what the chart renders with monitoring enabled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-monitoring-'));
  try {
    const deploy = relative(dir, join(repoRoot, 'deploy')); // kustomize takes no absolute roots
    writeFileSync(join(dir, 'kustomization.yaml'), [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${join(deploy, 'base')}]`,
      `components: [${join(deploy, 'components/monitoring')}]`,
      '',
    ].join('\n'));
    const want = byKey(load(execFileSync(kubectlPath(), ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 << 20 })));
    const have = byKey(await helmTemplate(...ENABLE));
    assert.deepEqual(Object.keys(have), Object.keys(want));
    for (const k of Object.keys(want)) assert.deepEqual(have[k], want[k], k);
    // The objects carry the sources unchanged.
    const rule = want['PrometheusRule/nodemend/nodemend'];
    assert.deepEqual(rule.spec?.groups, (k8s.loadYaml(readFileSync(RULES, 'utf8')) as { groups: unknown }).groups);
    const cm = want['ConfigMap/nodemend/nodemend-dashboard'];
    assert.deepEqual(JSON.parse(cm.data!['nodemend.json']), dashboard);
    assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
    for (const name of ['nodemend-agent', 'nodemend-hub']) assert.ok(want[`PodMonitor/nodemend/${name}`], name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('chart: monitoring is off by default; on, its values reach the objects; it lints', async () => {
  const off = await helmTemplate();
  assert.ok(!off.some((o) => ['PodMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.name === 'nodemend-dashboard'));

  const on = byKey(await helmTemplate(...ENABLE, '--set', 'configuration.maxRebootDuration=45m,monitoring.labels.release=kps,monitoring.namespace=monitoring,monitoring.podMonitor.interval=30s,hub.enabled=false'));
  const rule = on['PrometheusRule/monitoring/nodemend'] as unknown as { metadata: { labels: Record<string, string> }; spec: { groups: { rules: Rule[] }[] } };
  assert.ok(rule, Object.keys(on).join(', '));
  assert.equal(rule.metadata.labels.release, 'kps');
  const lock = rule.spec.groups[0].rules.find((r) => r.alert === 'NodemendLockHeldTooLong');
  assert.equal(lock?.for, '45m', 'the lock alert waits --max-reboot-duration');
  const pm = on['PodMonitor/monitoring/nodemend-agent'] as unknown as { spec: { namespaceSelector: { matchNames: string[] }; podMetricsEndpoints: { interval: string }[] } };
  assert.deepEqual(pm.spec.namespaceSelector.matchNames, ['nodemend'], 'scrapes the agents where they run');
  assert.equal(pm.spec.podMetricsEndpoints[0].interval, '30s');
  assert.ok(!on['PodMonitor/monitoring/nodemend-hub'], 'no hub, no hub PodMonitor');
  assert.equal(on['ConfigMap/monitoring/nodemend-dashboard'].metadata.labels?.release, 'kps');

  const lint = await run(join(helmBin(), 'helm'), ['lint', '--strict', join(repoRoot, 'charts/nodemend'), ...ENABLE]);
  assert.equal(lint.code, 0, lint.out);
  const bad = await run(join(helmBin(), 'helm'), ['template', 'nodemend', join(repoRoot, 'charts/nodemend'), '--set', 'monitoring.podMonitor.interval=soon']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /monitoring\/podMonitor\/interval/, "the refusal names the value");
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { V1Node } from '@kubernetes/client-node';
import { FleetMetrics } from './fleet-metrics.ts';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const node = (name: string, phase: string | undefined, history: object[] = []): V1Node => ({
  metadata: {
    name,
    annotations: {
      ...(phase ? { 'nodemend.dev/state': JSON.stringify({ v: 1, phase, reason: '', since: iso(0), rebootRequired: false, agent: 'a' }) } : {}),
      'nodemend.dev/history': JSON.stringify(history),
    },
  },
});
const rec = (start: number, end: number, outcome: string, extra: object = {}) => ({ start: iso(start), end: iso(end), outcome, ...extra });

async function series(reg: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await reg.getMetricsAsJSON()) {
    for (const v of m.values) {
      const labels = Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(',');
      out[`${(v as { metricName?: string }).metricName ?? m.name}{${labels}}`] = v.value;
    }
  }
  return out;
}

test('fleet: nodes per phase, every phase reported (0 too), a node without state is "none"', async () => {
  const reg = new Registry();
  const f = new FleetMetrics(reg, T0);
  f.node(node('a', 'draining'));
  f.node(node('b', 'waiting-lock'));
  f.node(node('c', 'waiting-lock'));
  f.node(node('d', undefined));
  f.node(node('e', 'no-such-phase'));
  let s = await series(reg);
  assert.equal(s['nodemend_hub_nodes{phase=draining}'], 1);
  assert.equal(s['nodemend_hub_nodes{phase=waiting-lock}'], 2);
  assert.equal(s['nodemend_hub_nodes{phase=none}'], 2);
  assert.equal(s['nodemend_hub_nodes{phase=healthy}'], 0);
  f.node(node('a', 'healthy'));
  f.gone('b');
  s = await series(reg);
  assert.deepEqual([s['nodemend_hub_nodes{phase=draining}'], s['nodemend_hub_nodes{phase=waiting-lock}'], s['nodemend_hub_nodes{phase=healthy}']], [0, 1, 1]);
});

test('fleet: each reboot record is counted once, by outcome and stage; older than the hub, not at all', async () => {
  const reg = new Registry();
  const f = new FleetMetrics(reg, T0);
  const old = rec(-600, -60, 'succeeded', { drainMs: 1000 });
  const r1 = rec(10, 250, 'succeeded', { drainMs: 30_000, rebootMs: 120_000, verifyMs: 20_000 });
  f.node(node('a', 'healthy', [old]));
  let s = await series(reg);
  assert.equal(s['nodemend_hub_reboots_total{outcome=succeeded}'], 0, 'a record from before the hub started is not counted');
  assert.equal(s['nodemend_hub_reboots_total{outcome=failed}'], 0, 'every outcome starts at 0');
  f.node(node('a', 'healthy', [r1, old]));
  f.node(node('a', 'healthy', [r1, old])); // the same annotation again (a resync)
  f.node(node('a', 'failed', [rec(300, 400, 'failed', { drainMs: 5000 }), r1, old]));
  f.node(node('b', 'healthy', [rec(20, 30, 'weird')]));
  f.gone('a');
  f.node(node('a', 'healthy', [rec(300, 400, 'failed', { drainMs: 5000 }), r1, old])); // deleted and back: still counted once
  s = await series(reg);
  assert.equal(s['nodemend_hub_reboots_total{outcome=succeeded}'], 1);
  assert.equal(s['nodemend_hub_reboots_total{outcome=failed}'], 1);
  assert.equal(s['nodemend_hub_reboots_total{outcome=other}'], 1, 'an unknown outcome is not a label value of its own');
  assert.equal(s['nodemend_hub_reboot_stage_seconds_count{stage=drain}'], 2);
  assert.equal(s['nodemend_hub_reboot_stage_seconds_sum{stage=drain}'], 35);
  assert.equal(s['nodemend_hub_reboot_stage_seconds_sum{stage=reboot}'], 120);
  assert.equal(s['nodemend_hub_reboot_stage_seconds_count{stage=total}'], 3);
  assert.equal(s['nodemend_hub_reboot_stage_seconds_sum{stage=total}'], 240 + 100 + 10);
  assert.equal(s['nodemend_hub_reboot_stage_seconds_bucket{le=120,stage=reboot}'], 1);
});

// The hub's fleet metrics against the real API server: nodes per published phase, and each reboot
// a node's history gains while the hub runs counted once, by outcome and stage, in /metrics as
// Prometheus scrapes it (the monitoring pack's dashboard reads these series).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { runHub, type HubHandle } from '../../backend/hub/main.ts';
import { A } from '../../protocol/annotations.ts';
import { jsonLogger } from '../../backend/shared/log.ts';
import { sleep } from './hub-support.ts';

let c: TestCluster;
let hub: HubHandle;
let nodes: string[] = [];
const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const iso = (ms: number) => new Date(ms).toISOString();

before(async () => {
  c = await startCluster();
  nodes = await c.addNodes(3, { prefix: 'fm' });
  // A reboot recorded before the hub starts: an earlier hub counted it, this one must not.
  const old = [{ start: iso(Date.now() - 600_000), end: iso(Date.now() - 500_000), outcome: 'succeeded', drainMs: 1000 }];
  await c.core.patchNode({ name: nodes[2], body: { metadata: { annotations: { [A.history]: JSON.stringify(old) } } } }, merge());
  hub = await runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', '--listen-trusted=off'], {}, { embedded: true, log: jsonLogger('hub', 'warn', () => {}) });
  while (!hub.ready()) await sleep(50);
});
after(async () => {
  await hub?.stop();
  await c?.stop();
});

async function scrape(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${hub.port}/metrics`)).text();
}
async function until(re: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const body = await scrape();
    if (re.test(body) || Date.now() > deadline) return body;
    await sleep(100);
  }
}
const value = (body: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(body)?.[1] ?? NaN);

test('phases: every node counted once in its published phase, "none" without agent state', async () => {
  const state = (phase: string) => JSON.stringify({ v: 1, phase, reason: 'test', since: iso(Date.now()), rebootRequired: phase !== 'healthy', agent: 'test' });
  await c.core.patchNode({ name: nodes[0], body: { metadata: { annotations: { [A.state]: state('waiting-lock') } } } }, merge());
  await c.core.patchNode({ name: nodes[1], body: { metadata: { annotations: { [A.state]: state('draining') } } } }, merge());
  const body = await until(/nodemend_hub_nodes\{phase="draining"\} 1/);
  assert.equal(value(body, 'nodemend_hub_nodes{phase="waiting-lock"}'), 1);
  assert.equal(value(body, 'nodemend_hub_nodes{phase="draining"}'), 1);
  assert.equal(value(body, 'nodemend_hub_nodes{phase="none"}'), 1);
  assert.equal(value(body, 'nodemend_hub_nodes{phase="healthy"}'), 0);
});

test('reboots: a record that ends while the hub runs is counted once, by outcome and stage', async () => {
  let body = await scrape();
  assert.equal(value(body, 'nodemend_hub_reboots_total{outcome="succeeded"}'), 0, 'the record from before the hub started is not counted');
  const t = Date.now();
  const rec = { start: iso(t - 200_000), end: iso(t), outcome: 'succeeded', drainMs: 40_000, rebootMs: 90_000, verifyMs: 70_000 };
  await c.core.patchNode({ name: nodes[1], body: { metadata: { annotations: { [A.history]: JSON.stringify([rec]) } } } }, merge());
  body = await until(/nodemend_hub_reboots_total\{outcome="succeeded"\} 1/);
  assert.equal(value(body, 'nodemend_hub_reboots_total{outcome="succeeded"}'), 1);
  assert.equal(value(body, 'nodemend_hub_reboot_stage_seconds_sum{stage="reboot"}'), 90);
  assert.equal(value(body, 'nodemend_hub_reboot_stage_seconds_count{stage="total"}'), 1);
  // Another write to the node (its state) re-delivers the same history: still counted once.
  await c.core.patchNode({ name: nodes[1], body: { metadata: { labels: { touched: 'yes' } } } }, merge());
  await sleep(500);
  assert.equal(value(await scrape(), 'nodemend_hub_reboots_total{outcome="succeeded"}'), 1);
});

// Bounded concurrency with many machines: 24 simulated nodes in 3 zones all need a reboot at once.
// An independent watcher (Node objects only: cordoned by nodemend or NotReady) asserts the limit
// is never exceeded: at most 2 overall; then at most 3 overall and 1 per zone. Every node reboots
// exactly once. Lock handoff time between nodes is printed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, waitFor, ZONE_LABEL, type TestCluster } from '../../tools/harness/index.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { DisruptionWatcher } from '../../backend/agent/sim/watcher.ts';
import { A, parseHistory } from '../../protocol/annotations.ts';

let c: TestCluster;
let nodes: string[];
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-conc-'));
  c = await startCluster();
  nodes = await c.addNodes(24, { prefix: 'c', zones: ['a', 'b', 'c'] });
}, { timeout: 240_000 });

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function rolloutAll(flags: string[], label: string): Promise<{ watcher: DisruptionWatcher; fleet: SimFleet; ms: number }> {
  const watcher = new DisruptionWatcher(c.kc, ZONE_LABEL);
  await watcher.start();
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const fleet = await SimFleet.start(nodes, { kubeconfigPath: c.kubeconfigPath, dir: join(dir, label), rebootMs: 1000, flags: ['--period=10s', ...flags] });
  const seen = new Map<string, number>();
  for (const n of nodes) seen.set(n, parseHistory((await c.core.readNode({ name: n })).metadata?.annotations?.[A.history]).length);
  await new Promise((r) => setTimeout(r, 3000));
  global.gc?.();
  const perAgent = (process.memoryUsage().heapUsed - heap0) / nodes.length;
  console.log(`# numbers: JS heap per agent (${nodes.length} agents in one process, idle) ${(perAgent / 1024 / 1024).toFixed(2)} MiB`);
  const t0 = Date.now();
  try {
    fleet.requireReboot(nodes);
    await waitFor(`all ${nodes.length} nodes rebooted (${label})`, async () => {
      const list = await c.core.listNode();
      return list.items.every((x) => parseHistory(x.metadata?.annotations?.[A.history]).length > (seen.get(x.metadata!.name!) ?? 0) && !x.spec?.unschedulable);
    }, 400_000);
    await fleet.settle();
  } finally {
    await fleet.stop();
    await watcher.stop();
  }
  return { watcher, fleet, ms: Date.now() - t0 };
}

/** Gaps between one node coming back Ready and the next one going down, as seen by the sim. */
function handoffs(fleet: SimFleet): number[] {
  const r = [...fleet.reboots].sort((a, b) => a.downAt - b.downAt);
  const out: number[] = [];
  for (const x of r) {
    const prevUp = r.filter((y) => y.upAt !== undefined && y.upAt <= x.downAt).map((y) => y.upAt!);
    if (prevUp.length) out.push(x.downAt - Math.max(...prevUp));
  }
  return out.sort((a, b) => a - b);
}

test('concurrency 2: never more than 2 nodes disrupted, all 24 reboot once', { timeout: 480_000 }, async () => {
  const { watcher, fleet, ms } = await rolloutAll(['--concurrency=2'], 'm2');
  assert.ok(watcher.maxTotal <= 2, `at most 2 disrupted at once, saw ${watcher.maxTotal}: ${JSON.stringify(watcher.samples.find((s) => s.disrupted.length > 2))}`);
  assert.equal(watcher.maxTotal, 2, 'the limit is used (2 at a time)');
  assert.equal(fleet.reboots.length, nodes.length, 'each node rebooted exactly once');
  assert.equal(new Set(fleet.reboots.map((r) => r.node)).size, nodes.length);
  const h = handoffs(fleet);
  console.log(`# numbers: 24 nodes at concurrency 2 in ${(ms / 1000).toFixed(1)} s; lock handoff (previous node back -> next node down) median ${h[Math.floor(h.length / 2)]} ms, p90 ${h[Math.floor(h.length * 0.9)]} ms`);
});

test('per-zone concurrency: at most 1 per zone and 3 overall', { timeout: 480_000 }, async () => {
  const { watcher, fleet, ms } = await rolloutAll(['--concurrency=3', `--concurrency-scope=${ZONE_LABEL}`, '--concurrency-per-scope=1'], 'z1');
  for (const [z, k] of watcher.maxPerZone) assert.ok(k <= 1, `zone ${z}: at most 1 disrupted, saw ${k}`);
  assert.ok(watcher.maxTotal <= 3, `at most 3 overall, saw ${watcher.maxTotal}`);
  assert.equal(watcher.maxTotal, 3, 'all three zones progress in parallel');
  assert.equal(fleet.reboots.length, nodes.length);
  console.log(`# numbers: 24 nodes, 3 zones, 1 per zone in ${(ms / 1000).toFixed(1)} s`);
});

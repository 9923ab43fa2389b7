// A waiting agent is quiet: while another node holds the only lock slot (first draining behind a
// PodDisruptionBudget, then down and NotReady, the case whose live detail changes every second),
// the waiting nodes write their Node a handful of times, not once a second. Every watcher of Nodes
// (the hub, kubectl get -w, the scheduler) receives each write, so the count matters at scale.
// Writes are counted from a real watch on the Nodes: any change of metadata (annotations, labels)
// or spec, which is what the agent writes; KWOK's status heartbeats are not counted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { A, parseState } from '../../protocol/annotations.ts';

let c: TestCluster;
let fleet: SimFleet;
let nodes: string[];
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-quiet-'));
  c = await startCluster();
  nodes = await c.addNodes(3, { prefix: 'q' });
  await c.addPod({ namespace: 'default', name: 'held-0', node: nodes[0], owner: 'ReplicaSet' });
  await c.addPdb({ namespace: 'default', name: 'pdb-0', selector: { app: 'held-0' }, minAvailable: 1 });
  fleet = await SimFleet.start(nodes, {
    kubeconfigPath: c.kubeconfigPath,
    dir,
    rebootMs: 1000,
    // A short period makes the old flapping visible (a stale acquire failure every 3 s).
    flags: ['--period=3s', '--concurrency=1', '--drain-precheck=false', '--stale-lock-grace=10s', '--max-reboot-duration=10m'],
    evictionRetryMs: 500,
  });
}, { timeout: 240_000 });

after(async () => {
  await fleet?.stop();
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const state = async (n: string) => parseState((await c.core.readNode({ name: n })).metadata?.annotations?.[A.state]);

/** Counts writes to the metadata or spec of `watched` Nodes (status-only updates are skipped). */
async function countWrites(watched: string[], ms: number): Promise<{ writes: Map<string, number>; states: Map<string, string[]> }> {
  const writes = new Map(watched.map((n) => [n, 0]));
  const states = new Map<string, string[]>(watched.map((n) => [n, []]));
  const last = new Map<string, string>();
  const shape = (o: k8s.V1Node) => JSON.stringify({ a: o.metadata?.annotations, l: o.metadata?.labels, s: o.spec });
  for (const n of watched) last.set(n, shape(await c.core.readNode({ name: n })));
  const rv = (await c.core.listNode()).metadata?.resourceVersion;
  const req = await new k8s.Watch(c.kc).watch('/api/v1/nodes', { resourceVersion: rv }, (type: string, o: k8s.V1Node) => {
    const name = o.metadata?.name ?? '';
    if (type !== 'MODIFIED' || !writes.has(name)) return;
    const s = shape(o);
    if (s === last.get(name)) return;
    last.set(name, s);
    writes.set(name, writes.get(name)! + 1);
    states.get(name)!.push(o.metadata?.annotations?.[A.state] ?? '');
  }, () => {});
  await new Promise((r) => setTimeout(r, ms));
  req.abort();
  return { writes, states };
}

test('waiting agents write their Node a handful of times while another node holds the lock', { timeout: 150_000 }, async () => {
  const [holder, ...waiters] = nodes;
  fleet.requireReboot([holder]);
  await waitFor(`${holder} draining`, async () => (await state(holder))?.phase === 'draining', 30_000);
  fleet.requireReboot(waiters);
  for (const w of waiters) await waitFor(`${w} waits for the lock`, async () => (await state(w))?.phase === 'waiting-lock', 20_000);

  // The holder is stuck behind its PDB: its drain goes on, the waiters wait.
  const draining = await countWrites(waiters, 10_000);
  // The holder goes down mid-reboot: "NotReady, rebooting for Ns" changes every second.
  await fleet.killAgent(holder);
  const counting = countWrites([holder, ...waiters], 10_000);
  await new Promise((r) => setTimeout(r, 500));
  await fleet.nodes.setReady(holder, false);
  const down = await counting;
  // The watch does see writes: marking the holder down is one (so zero below is no blind spot).
  assert.ok(down.writes.get(holder)! >= 1, 'the watch saw the holder being marked down');

  for (const w of waiters) {
    const total = draining.writes.get(w)! + down.writes.get(w)!;
    console.log(`# numbers: ${w} waiting 20 s: ${total} Node writes (${(total * 3).toFixed(0)} per minute); state changes: ${[...draining.states.get(w)!, ...down.states.get(w)!].map((s) => parseState(s)?.reason).join(' | ')}`);
    // One write when the holder goes NotReady may be news to a person; once a second would be 20.
    assert.ok(total <= 4, `${w} wrote its Node ${total} times in 20 s while waiting`);
    const st = await state(w);
    assert.equal(st?.phase, 'waiting-lock', `${w} still waits`);
    assert.match(st!.reason, /lock slot/, 'the reason still says what it waits for');
  }
  assert.equal(fleet.reboots.length, 0, 'nobody rebooted: the holder keeps its slot');
});

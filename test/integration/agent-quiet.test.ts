// A waiting agent is quiet: while another node holds the only lock slot (first draining behind a
// PodDisruptionBudget, then down and NotReady, the case whose live detail changes every second),
// the waiting nodes write their Node a handful of times, not once a second. Every watcher of Nodes
// (the hub, kubectl get -w, the scheduler) receives each write, so the count matters at scale.
// Writes are counted from a real watch on the Nodes: any change of metadata (annotations, labels)
// or spec, which is what the agent writes; KWOK's status heartbeats are not counted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../../tools/harness/index.ts';
import { A, parseState } from '../../protocol/annotations.ts';
import { AgentEnv, guardedPod, LOCK_NS, ONE_AT_A_TIME } from './agent-support.ts';

let env: AgentEnv;

before(async () => {
  env = await AgentEnv.start({
    name: 'quiet',
    nodes: 3,
    prefix: 'q',
    setup: (c, nodes) => guardedPod(c, nodes[0], 'held-0', 'pdb-0'),
    // Its short period makes the old flapping visible (a stale acquire failure every 3 s); the
    // taint while waiting is a Node write too, so a waiting marker that flaps shows up as writes.
    fleet: { ...ONE_AT_A_TIME, flags: [...ONE_AT_A_TIME.flags!, '--prefer-no-schedule-taint=nodemend.dev/waiting'] },
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

/** The waiting markers (Lease name -> uid). */
async function waitMarkers(): Promise<Map<string, string>> {
  const l = await env.coord.listNamespacedLease({ namespace: LOCK_NS });
  return new Map(l.items.filter((x) => x.metadata!.name!.startsWith('nodemend-wait-')).map((x) => [x.metadata!.name!, x.metadata!.uid!]));
}

/** Counts writes to the metadata or spec of `watched` Nodes (status-only updates are skipped). */
async function countWrites(watched: string[], ms: number): Promise<{ writes: Map<string, number>; states: Map<string, string[]> }> {
  const writes = new Map(watched.map((n) => [n, 0]));
  const states = new Map<string, string[]>(watched.map((n) => [n, []]));
  const last = new Map<string, string>();
  const shape = (o: k8s.V1Node) => JSON.stringify({ a: o.metadata?.annotations, l: o.metadata?.labels, s: o.spec });
  for (const n of watched) last.set(n, shape(await env.c.core.readNode({ name: n })));
  const rv = (await env.c.core.listNode()).metadata?.resourceVersion;
  const req = await new k8s.Watch(env.c.kc).watch('/api/v1/nodes', { resourceVersion: rv }, (type: string, o: k8s.V1Node) => {
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
  const [holder, ...waiters] = env.nodes;
  env.fleet.requireReboot([holder]);
  await waitFor(`${holder} draining`, async () => (await env.state(holder))?.phase === 'draining', 30_000);
  env.fleet.requireReboot(waiters);
  for (const w of waiters) await waitFor(`${w} waits for the lock`, async () => (await env.state(w))?.phase === 'waiting-lock', 20_000);

  // The holder is stuck behind its PDB: its drain goes on, the waiters wait.
  const markers = await waitMarkers();
  assert.equal(markers.size, waiters.length, 'each waiter has a queue marker');
  const draining = await countWrites(waiters, 10_000);
  // The holder goes down mid-reboot: "NotReady, rebooting for Ns" changes every second.
  await env.fleet.killAgent(holder);
  const counting = countWrites([holder, ...waiters], 10_000);
  await new Promise((r) => setTimeout(r, 500));
  await env.fleet.nodes.setReady(holder, false);
  const down = await counting;
  // The watch does see writes: marking the holder down is one (so zero below is no blind spot).
  assert.ok(down.writes.get(holder)! >= 1, 'the watch saw the holder being marked down');

  for (const w of waiters) {
    const total = draining.writes.get(w)! + down.writes.get(w)!;
    console.log(`# numbers: ${w} waiting 20 s: ${total} Node writes (${(total * 3).toFixed(0)} per minute); state changes: ${[...draining.states.get(w)!, ...down.states.get(w)!].map((s) => parseState(s)?.reason).join(' | ')}`);
    // One write when the holder goes NotReady may be news to a person; once a second would be 20.
    assert.ok(total <= 4, `${w} wrote its Node ${total} times in 20 s while waiting`);
    const st = await env.state(w);
    assert.equal(st?.phase, 'waiting-lock', `${w} still waits`);
    assert.match(st!.reason, /lock slot/, 'the reason still says what it waits for');
  }
  assert.equal(env.fleet.reboots.length, 0, 'nobody rebooted: the holder keeps its slot');
  // The queue markers were never re-created: the queue order (oldest marker first) holds.
  assert.deepEqual(await waitMarkers(), markers, 'the same waiting markers (uid) throughout');
  for (const w of waiters) assert.ok((await env.read(w)).spec?.taints?.some((t) => t.key === 'nodemend.dev/waiting' && t.effect === 'PreferNoSchedule'), `${w} keeps its taint`);
  // Leaving the queue takes the marker and the taint away.
  env.fleet.clearReboot(waiters);
  for (const w of waiters) await waitFor(`${w} left the queue`, async () => !(await env.read(w)).spec?.taints?.some((t) => t.key === 'nodemend.dev/waiting'), 15_000);
  await waitFor('no waiting markers left', async () => (await waitMarkers()).size === 0, 10_000);
});

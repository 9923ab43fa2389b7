// "Lock lost" against a real API server: a slot this node holds is taken over by a direct write to
// its Lease (as a buggy or misconfigured second lock holder would). Before the reboot that is a
// cancel: the drain stops, nodemend's own cordon is undone (a person's is kept), the remaining
// slot is released, the state says failed and why, a Warning Event is recorded, and the node never
// reboots. After the reboot, verification finishes, but the lost slot is not released by us.
// The slot is taken over by a node name that does not exist, so the next test's node may take it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, ZONE_LABEL } from '../../tools/harness/index.ts';
import { AgentEnv, guardedPod, LOCK_NS, mergePatch, sleep } from './agent-support.ts';

const INTRUDER = 'intruder';
const CLUSTER_SLOT = 'nodemend-lock-0';
let env: AgentEnv;

before(async () => {
  env = await AgentEnv.start({
    name: 'lost',
    nodes: 4,
    prefix: 'l',
    zones: ['a', 'b', 'c', 'd'],
    setup: async (c, nodes) => {
      for (const i of [0, 1, 3]) await guardedPod(c, nodes[i], `guarded-${i}`);
    },
    fleet: {
      // Renewal every 5 s (grace / 3) finds the takeover; a 10 s period keeps a failed node
      // from retrying while the test looks.
      flags: ['--period=10s', '--concurrency=1', `--concurrency-scope=${ZONE_LABEL}`, '--drain-precheck=false', '--stale-lock-grace=15s'],
      nodeFlags: (n) => (n.endsWith('-2') ? ['--lock-release-delay=12s'] : []),
      evictionRetryMs: 500,
    },
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

async function takeOver(lease: string, by: string): Promise<void> {
  // The holder renews on its own cadence: a renewal between our read and write is a 409, re-read.
  for (let attempt = 0; ; attempt++) {
    const l = await env.coord.readNamespacedLease({ name: lease, namespace: LOCK_NS });
    l.spec!.holderIdentity = by;
    try {
      await env.coord.replaceNamespacedLease({ name: lease, namespace: LOCK_NS, body: l });
      return;
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || attempt >= 5) throw e;
    }
  }
}
const slotsOf = async (n: string) => (await env.slots()).filter((l) => l.spec?.holderIdentity === n).map((l) => l.metadata!.name!);
const holderOf = async (lease: string) => (await env.slots()).find((l) => l.metadata!.name === lease)?.spec?.holderIdentity ?? '';
const rebootsOf = (n: string) => env.fleet.reboots.filter((r) => r.node === n).length;

async function drainingWithBothSlots(n: string): Promise<string> {
  env.fleet.requireReboot([n]);
  // Past the cordon step (stage stored in the Lease): a node a person had cordoned is unschedulable
  // from the start, and a slot lost at stage 'acquired' records no history.
  const pastCordon = async () => (await env.slots()).some((l) => l.spec?.holderIdentity === n && ['cordoned', 'drained'].includes(l.metadata?.annotations?.['nodemend.dev/stage'] ?? ''));
  await waitFor(`${n} draining with a zone and the cluster slot`, async () => (await env.state(n))?.phase === 'draining' && (await slotsOf(n)).length === 2 && !!(await env.read(n)).spec?.unschedulable && (await pastCordon()), 30_000);
  return (await slotsOf(n)).find((s) => s !== CLUSTER_SLOT)!;
}

async function assertCancelled(n: string, zoneSlot: string, stillCordoned: boolean): Promise<void> {
  await waitFor(`${n} failed: lock lost`, async () => (await env.state(n))?.phase === 'failed', 20_000);
  assert.match((await env.state(n))!.reason, /lock lost: .*(nodemend-lock-0 was taken over by intruder|no longer holds its cluster slot)/);
  await waitFor(`${n}: zone slot released`, async () => (await holderOf(zoneSlot)) === '', 10_000);
  assert.equal(await holderOf(CLUSTER_SLOT), INTRUDER, 'the lost slot is not released by the node that lost it');
  const node = await env.read(n);
  assert.equal(!!node.spec?.unschedulable, stillCordoned, stillCordoned ? "a person's cordon is kept" : 'nodemend uncordoned its own cordon');
  assert.equal(node.metadata?.annotations?.['nodemend.dev/cordoned-by'], undefined);
  const events = await env.eventText(n);
  assert.match(events, /Warning RebootFailed: lock lost/);
  assert.equal((await env.history(n))[0]?.outcome, 'failed');
  await sleep(3000);
  assert.equal(rebootsOf(n), 0, 'never rebooted without the lock');
  env.fleet.clearReboot([n]);
}

test('slot taken over mid-drain: drain stops, uncordoned, zone slot released, failed + Warning Event, no reboot', { timeout: 90_000 }, async () => {
  const n = env.nodes[0];
  const zoneSlot = await drainingWithBothSlots(n);
  await takeOver(CLUSTER_SLOT, INTRUDER);
  await assertCancelled(n, zoneSlot, false);
  assert.match(await env.eventText(n), /Warning LockLost: lock lost: Lease nodemend-lock-0 was taken over by intruder; the reboot is cancelled/);
});

test('slot taken over while draining a node a person had cordoned: it stays cordoned', { timeout: 90_000 }, async () => {
  const n = env.nodes[1];
  await env.c.core.patchNode({ name: n, body: { spec: { unschedulable: true } } }, mergePatch());
  const zoneSlot = await drainingWithBothSlots(n);
  await takeOver(CLUSTER_SLOT, INTRUDER);
  await assertCancelled(n, zoneSlot, true);
});

test('agent restarted after its slot was taken over: finds half a lock, cancels, never reboots', { timeout: 90_000 }, async () => {
  const n = env.nodes[3];
  const zoneSlot = await drainingWithBothSlots(n);
  await env.fleet.killAgent(n);
  await takeOver(CLUSTER_SLOT, INTRUDER);
  await env.fleet.startAgent(n);
  await assertCancelled(n, zoneSlot, false);
});

test('slot taken over after the reboot, while verifying: verification finishes, the lost slot stays lost', { timeout: 90_000 }, async () => {
  const n = env.nodes[2];
  env.fleet.requireReboot([n]);
  await waitFor(`${n} rebooted, holding the lock (--lock-release-delay)`, async () => /--lock-release-delay/.test((await env.state(n))?.reason ?? ''), 40_000);
  const zoneSlot = (await slotsOf(n)).find((s) => s !== CLUSTER_SLOT)!;
  assert.ok(zoneSlot && (await slotsOf(n)).includes(CLUSTER_SLOT));
  await takeOver(CLUSTER_SLOT, INTRUDER);
  await waitFor(`${n} back in service`, async () => (await env.history(n))[0]?.outcome === 'succeeded', 30_000);
  assert.match((await env.history(n))[0].reason ?? '', /lock lost meanwhile/);
  assert.match(await env.eventText(n), /Warning LockLost: .*the reboot was already issued/);
  assert.equal(await holderOf(zoneSlot), '', 'the remaining slot is released');
  assert.equal(await holderOf(CLUSTER_SLOT), INTRUDER, 'the lost slot is not ours to release');
  assert.equal(rebootsOf(n), 1, 'exactly one reboot');
  assert.ok(!(await env.read(n)).spec?.unschedulable, 'uncordoned');
});

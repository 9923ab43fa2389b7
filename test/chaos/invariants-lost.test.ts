// The given-up rule of the watcher (dead machines) and the phase lag after a release, as
// timelines for the pure checker (see invariants.test.ts for the rest of the table).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Invariants } from './invariants.ts';
import { node, lease, policy, type Case } from './timeline.ts';

const cases: Case[] = [
  {
    // The agent releases its zone slot, then its cluster slot (seed 2: a healthy, uncordoned
    // node still held the cluster slot 4 s after the next node of its zone took the zone slot).
    name: 'a cluster slot left for a moment after the zone slot was released is not a disruption',
    policy: { concurrency: 3, lagMs: 3000 },
    steps: [
      { t: 0, node: { name: 'a', zone: 'z1', phase: 'healthy', boot: 'b2' } },
      { t: 0, lease: ['nodemend-lock-z1-0', 'a'] },
      { t: 0, lease: ['nodemend-lock-0', 'a'] },
      { t: 1000, lease: ['nodemend-lock-z1-0', 'b'] },
      { t: 1000, lease: ['nodemend-lock-1', 'b'] },
      { t: 1500, node: { name: 'b', zone: 'z1', phase: 'draining', cordon: 'us' } },
      { t: 5000, lease: ['nodemend-lock-0', undefined] },
    ],
    want: [],
  },
  {
    name: 'a reboot without a lock slot breaks promise 1, however short',
    policy: { scope: undefined, lagMs: 3000 },
    steps: [
      { t: 0, node: { name: 'a', phase: 'healthy', need: true } },
      { t: 1000, node: { name: 'a', phase: 'rebooting', need: true, ready: false } },
      { t: 2000, node: { name: 'a', phase: 'healthy', boot: 'b2' } },
    ],
    want: [1],
  },
  {
    // With a scope the agent takes its zone slot, then asks for a cluster slot and gives the zone
    // slot back when the cluster is full (chaos seed 40 counted these askers as disrupted).
    name: 'a zone slot held while asking for a full cluster is not a disruption',
    policy: { concurrency: 2, lagMs: 3000 },
    steps: [
      { t: 0, node: { name: 'a', zone: 'z0', phase: 'draining', cordon: 'us' } },
      { t: 0, lease: ['nodemend-lock-z0-0', 'a'] },
      { t: 0, lease: ['nodemend-lock-0', 'a'] },
      { t: 0, node: { name: 'b', zone: 'z1', phase: 'draining', cordon: 'us' } },
      { t: 0, lease: ['nodemend-lock-z1-0', 'b'] },
      { t: 0, lease: ['nodemend-lock-1', 'b'] },
      { t: 5000, node: { name: 'c', zone: 'z2', phase: 'waiting-lock', need: true } },
      { t: 5000, lease: ['nodemend-lock-z2-0', 'c'] },
      { t: 5200, lease: ['nodemend-lock-z2-0', undefined] },
    ],
    want: [],
  },
  {
    name: 'a node that cordons holding only its zone slot is counted',
    policy: { concurrency: 2, lagMs: 3000 },
    steps: [
      { t: 0, node: { name: 'a', zone: 'z0', phase: 'draining', cordon: 'us' } },
      { t: 0, node: { name: 'b', zone: 'z1', phase: 'draining', cordon: 'us' } },
      { t: 5000, lease: ['nodemend-lock-z2-0', 'c'] },
      { t: 5000, node: { name: 'c', zone: 'z2', phase: 'waiting-lock', cordon: 'us' } },
    ],
    want: [1],
  },
  {
    // A machine that died mid-drain holding the only slot: once given up, its successor may hold
    // the slot; it is neither left cordoned (3) nor owed a reboot (5), and its stale slot is not
    // "held forever" (4), but everything else is still judged.
    name: 'a dead machine (NotReady for good) is given up: not disrupted, not left cordoned, owed nothing',
    policy: { scope: undefined, concurrency: 1, lostAfterMs: 50_000, leftCordonedMs: 30_000, maxHoldMs: 120_000 },
    steps: [
      { t: 0, node: { name: 'a', phase: 'draining', cordon: 'us', need: true } },
      { t: 0, lease: ['nodemend-lock-0', 'a'] },
      { t: 1000, node: { name: 'a', phase: 'draining', cordon: 'us', need: true, ready: false } },
      { t: 60_000, node: { name: 'b', phase: 'draining', cordon: 'us', need: true } },
      { t: 60_000, lease: ['nodemend-lock-1', 'b'] },
      { t: 150_000, node: { name: 'b', phase: 'healthy', boot: 'b2' } },
      { t: 150_000, lease: ['nodemend-lock-1', undefined] },
      { t: 300_000, finish: true },
    ],
    want: [],
  },
  {
    name: 'before the limit a NotReady holder still counts: a second node then breaks promise 1',
    policy: { scope: undefined, concurrency: 1, lostAfterMs: 50_000 },
    steps: [
      { t: 0, node: { name: 'a', phase: 'draining', cordon: 'us', ready: false } },
      { t: 30_000, node: { name: 'b', phase: 'draining', cordon: 'us' } },
    ],
    want: [1],
  },
  {
    name: 'a given-up node that comes back is judged again: owed its reboot',
    policy: { scope: undefined, lostAfterMs: 50_000 },
    steps: [
      { t: 0, node: { name: 'a', phase: 'healthy', need: true, ready: false } },
      { t: 60_000, node: { name: 'a', phase: 'healthy', need: true, ready: false } },
      { t: 70_000, node: { name: 'a', phase: 'healthy', need: true } },
      { t: 80_000, finish: true },
    ],
    want: [5],
  },
  {
    // The agent uncordons and releases, then publishes "healthy": the stale "verifying" must not
    // count the node while the next one takes the freed slot.
    name: 'a phase published just after the release does not count the node twice',
    policy: { scope: undefined, concurrency: 1, lagMs: 3000 },
    steps: [
      { t: 0, node: { name: 'a', phase: 'verifying', cordon: 'us', boot: 'b2' } },
      { t: 0, lease: ['nodemend-lock-0', 'a'] },
      { t: 10_000, node: { name: 'a', phase: 'verifying', boot: 'b2' } },
      { t: 10_000, lease: ['nodemend-lock-0', undefined] },
      { t: 10_500, lease: ['nodemend-lock-0', 'b'] },
      { t: 11_000, node: { name: 'b', phase: 'draining', cordon: 'us' } },
      { t: 12_500, node: { name: 'a', phase: 'healthy', boot: 'b2' } },
    ],
    want: [],
  },
  {
    name: 'a phase that stays disrupted past the lag after the release does count',
    policy: { scope: undefined, concurrency: 1, lagMs: 3000 },
    steps: [
      { t: 0, node: { name: 'a', phase: 'rebooting', cordon: 'us' } },
      { t: 0, lease: ['nodemend-lock-0', 'a'] },
      { t: 10_000, node: { name: 'a', phase: 'rebooting' } },
      { t: 10_000, lease: ['nodemend-lock-0', 'b'] },
      { t: 14_000, node: { name: 'b', phase: 'draining', cordon: 'us' } },
    ],
    want: [1],
  },
];

for (const c of cases) {
  test(`invariants: ${c.name}`, () => {
    const inv = new Invariants(policy(c.policy));
    for (const s of c.steps) {
      if (s.node) inv.node(s.t, node(s.node));
      if (s.lease) inv.lease(s.t, lease(...s.lease));
      if (s.finish) inv.finish(s.t);
    }
    assert.deepEqual(inv.violations.map((v) => v.promise), c.want, JSON.stringify(inv.violations, null, 1));
  });
}

test('invariants: a given-up node is reported with when it went down, and when it came back', () => {
  const inv = new Invariants(policy({ scope: undefined, lostAfterMs: 50_000 }));
  inv.node(0, node({ name: 'a', phase: 'healthy', ready: false }));
  inv.tick(51_000);
  inv.node(70_000, node({ name: 'a', phase: 'healthy' }));
  assert.equal(inv.givenUp.length, 1);
  assert.deepEqual({ ...inv.givenUp[0], events: undefined }, { node: 'a', notReadySince: new Date(0).toISOString(), givenUpAt: new Date(51_000).toISOString(), backAt: new Date(70_000).toISOString(), events: undefined });
});

// Table-driven checks of the pure invariant checker: each case is a timeline of cluster states
// and the promises it must (or must not) find broken.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Invariants } from './invariants.ts';
import { node, lease, policy, type Case } from './timeline.ts';

const cases: Case[] = [
  {
    name: 'clean reboot of one node',
    steps: [
      { t: 0, node: { name: 'a', zone: 'z1', phase: 'healthy', need: true } },
      { t: 1000, lease: ['nodemend-lock-0', 'a'] },
      { t: 1000, lease: ['nodemend-lock-z-0', 'a'] },
      { t: 2000, node: { name: 'a', zone: 'z1', cordon: 'us', phase: 'draining', need: true } },
      { t: 3000, node: { name: 'a', zone: 'z1', cordon: 'us', phase: 'rebooting', need: true, ready: false } },
      { t: 9000, node: { name: 'a', zone: 'z1', cordon: 'us', phase: 'verifying', boot: 'b2' } },
      { t: 10_000, node: { name: 'a', zone: 'z1', phase: 'healthy', boot: 'b2' } },
      { t: 11_000, lease: ['nodemend-lock-0', undefined] },
      { t: 11_000, lease: ['nodemend-lock-z-0', undefined] },
      { t: 100_000, finish: true },
    ],
    want: [],
  },
  {
    name: 'three nodes cordoned by nodemend with concurrency 2',
    policy: { scope: undefined },
    steps: [1, 2, 3].map((i) => ({ t: i, node: { name: `n${i}`, cordon: 'us' as const, phase: 'draining' } })),
    want: [1],
  },
  {
    name: 'two disrupted in one zone with 1 per zone; one violation per episode',
    steps: [
      { t: 0, node: { name: 'a', zone: 'z1', cordon: 'us', phase: 'draining' } },
      { t: 1, node: { name: 'b', zone: 'z1', cordon: 'us', phase: 'draining' } },
      { t: 2, node: { name: 'b', zone: 'z1', cordon: 'us', phase: 'rebooting' } },
    ],
    want: [1],
  },
  {
    name: 'a person cordoning is not a nodemend disruption',
    policy: { scope: undefined, concurrency: 1 },
    steps: [
      { t: 0, node: { name: 'a', cordon: 'person' } },
      { t: 1, node: { name: 'b', cordon: 'us', phase: 'draining' } },
    ],
    want: [],
  },
  {
    name: 'reboot outside the window',
    steps: [
      { t: 1_999_000, lease: ['nodemend-lock-0', 'a'] },
      { t: 1_999_000, lease: ['nodemend-lock-z-0', 'a'] },
      { t: 2_000_000, node: { name: 'a', phase: 'rebooting' } },
      { t: 2_000_500, node: { name: 'a', phase: 'verifying', boot: 'b2' } },
    ],
    want: [2],
  },
  {
    name: 'forced reboot outside the window is allowed',
    steps: [
      { t: 1_999_000, lease: ['nodemend-lock-0', 'a'] },
      { t: 1_999_000, lease: ['nodemend-lock-z-0', 'a'] },
      { t: 2_000_000, node: { name: 'a', phase: 'rebooting', forced: true } },
      { t: 2_000_500, node: { name: 'a', phase: 'verifying', boot: 'b2' } },
    ],
    want: [],
  },
  {
    name: 'reboot while blocked, even forced',
    steps: [
      { t: 0, node: { name: 'a', phase: 'healthy', block: 'freeze' } },
      { t: 9000, lease: ['nodemend-lock-0', 'a'] },
      { t: 9000, lease: ['nodemend-lock-z-0', 'a'] },
      { t: 10_000, node: { name: 'a', phase: 'rebooting', forced: true, block: 'freeze' } },
      { t: 11_000, node: { name: 'a', phase: 'verifying', boot: 'b2', block: 'freeze' } },
    ],
    want: [2],
  },
  {
    name: 'block set in the same second as the reboot raced the agent',
    steps: [
      { t: 9000, lease: ['nodemend-lock-0', 'a'] },
      { t: 9000, lease: ['nodemend-lock-z-0', 'a'] },
      { t: 10_000, node: { name: 'a', phase: 'rebooting', block: 'late' } },
      { t: 11_000, node: { name: 'a', phase: 'verifying', boot: 'b2', block: 'late' } },
    ],
    want: [],
  },
  {
    name: 'left cordoned by nodemend after the reboot ended',
    steps: [
      { t: 0, node: { name: 'a', cordon: 'us', phase: 'healthy' } },
      { t: 40_000, node: { name: 'b', phase: 'healthy' } },
    ],
    want: [3],
  },
  {
    name: "a person's cordon removed without the person",
    steps: [
      { t: 0, node: { name: 'a', phase: 'healthy' } },
      { t: 1, node: { name: 'a', cordon: 'person', phase: 'healthy' } },
      { t: 2, node: { name: 'a', phase: 'healthy' } },
    ],
    want: [3],
  },
  {
    name: "the person lifting their own cordon is fine",
    steps: [
      { t: 0, node: { name: 'a', phase: 'healthy' } },
      { t: 1, node: { name: 'a', cordon: 'person', phase: 'healthy' } },
      { t: 2, allowUncordon: 'a' },
      { t: 3, node: { name: 'a', phase: 'healthy' } },
    ],
    want: [],
  },
  {
    name: 'lock slot held for ever',
    steps: [
      { t: 0, node: { name: 'a', phase: 'healthy' } },
      { t: 0, lease: ['nodemend-lock-0', 'a'] },
      { t: 700_000, node: { name: 'a', phase: 'healthy' } },
    ],
    want: [4],
  },
  {
    name: 'needed a reboot and never got one',
    steps: [
      { t: 0, node: { name: 'a', phase: 'waiting-lock', need: true } },
      { t: 5000, finish: true },
    ],
    want: [5],
  },
  {
    name: 'a need withdrawn (sentinel cleared, request cancelled) is not a liveness failure',
    steps: [
      { t: 0, node: { name: 'a', phase: 'waiting-lock', need: true } },
      { t: 1000, node: { name: 'a', phase: 'healthy', need: false } },
      { t: 5000, finish: true },
    ],
    want: [],
  },
  {
    name: 'a node down longer than the maximum reboot duration no longer counts as disrupted',
    policy: { scope: undefined, concurrency: 1, lostAfterMs: 60_000 },
    steps: [
      { t: 0, node: { name: 'a', phase: 'rebooting', ready: false, cordon: 'us' } },
      { t: 70_000, node: { name: 'b', phase: 'draining', cordon: 'us' } },
    ],
    want: [],
  },
  {
    name: 'a blocked node that needs a reboot is not a liveness failure',
    steps: [
      { t: 0, node: { name: 'a', phase: 'blocked', need: true, block: 'x' } },
      { t: 5000, finish: true },
    ],
    want: [],
  },
];

for (const c of cases) {
  test(`invariants: ${c.name}`, () => {
    const inv = new Invariants(policy(c.policy));
    for (const s of c.steps) {
      if (s.node) inv.node(s.t, node(s.node));
      if (s.lease) inv.lease(s.t, lease(...s.lease));
      if (s.allowUncordon) inv.allowUncordon(s.allowUncordon);
      if (s.finish) inv.finish(s.t);
    }
    assert.deepEqual(inv.violations.map((v) => v.promise), c.want, JSON.stringify(inv.violations, null, 1));
  });
}


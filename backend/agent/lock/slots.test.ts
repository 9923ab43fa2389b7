import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSlotName } from '../../../protocol/leases.ts';
import { choose, freeSlots, leaseCallTimeoutMs, MIN_LEASE_CALL_MS, MIN_STALE_LOCK_GRACE_MS, Observations, turnDelay, TURN_MAX_STEPS, TURN_STEP_MS, verdict, type HolderStatus, type SlotLease, type SlotView } from './slots.ts';

const rules = { graceMs: 60_000, maxRebootMs: 600_000 };
const NOW = 10_000_000;

// seen: when this process saw the record last change; stage: when it saw the current stage begin
// (its own clock, whatever the holder wrote).
const L = (o: { holder?: string; stage?: string; seen?: number; stageSeen?: number } = {}): SlotLease => ({ name: 'l', ...(o.holder ? { holder: o.holder } : {}), ...(o.stage ? { stage: o.stage } : {}), seenChangeMs: o.seen ?? NOW, seenStageMs: o.stageSeen ?? o.seen ?? NOW });
const verdictCases: { name: string; lease: SlotLease; holder?: HolderStatus; want: 'free' | 'held' | 'stale'; has?: string }[] = [
  { name: 'no holder is free', lease: L(), want: 'free' },
  { name: 'holder not looked up is held', lease: L({ holder: 'a' }), want: 'held' },
  { name: 'deleted holder is stale at once', lease: L({ holder: 'a' }), holder: { kind: 'absent' }, want: 'stale', has: 'deleted' },
  { name: 'unreadable holder is held (fail closed)', lease: L({ holder: 'a', seen: 0 }), holder: { kind: 'unknown', error: 'timeout' }, want: 'held', has: 'timeout' },
  { name: 'NotReady rebooting within max is held', lease: L({ holder: 'a', stage: 'rebooting', stageSeen: NOW - 599_000, seen: NOW - 599_000 }), holder: { kind: 'notready' }, want: 'held', has: 'NotReady' },
  { name: 'NotReady rebooting past max is stale', lease: L({ holder: 'a', stage: 'rebooting', stageSeen: NOW - 601_000, seen: NOW - 601_000 }), holder: { kind: 'notready' }, want: 'stale', has: 'maximum reboot' },
  { name: 'NotReady rebooting: renewals after stage do not extend', lease: L({ holder: 'a', stage: 'rebooting', stageSeen: NOW - 700_000, seen: NOW }), holder: { kind: 'notready' }, want: 'stale' },
  { name: 'NotReady draining counts from the last change seen', lease: L({ holder: 'a', stage: 'cordoned', stageSeen: NOW - 900_000, seen: NOW - 100_000 }), holder: { kind: 'notready' }, want: 'held' },
  { name: 'NotReady unchanged past max is stale', lease: L({ holder: 'a', seen: NOW - 700_000 }), holder: { kind: 'notready' }, want: 'stale' },
  { name: 'Ready and changed within grace is held', lease: L({ holder: 'a', seen: NOW - 59_000 }), holder: { kind: 'ready' }, want: 'held' },
  { name: 'Ready and unchanged past grace is stale', lease: L({ holder: 'a', seen: NOW - 61_000 }), holder: { kind: 'ready' }, want: 'stale', has: 'not renewed' },
  { name: 'Ready again recently after a long reboot: grace counts from Ready', lease: L({ holder: 'a', stage: 'rebooting', seen: NOW - 500_000 }), holder: { kind: 'ready', readySinceMs: NOW - 10_000 }, want: 'held' },
  { name: 'Ready, cordoned by nodemend, silent past grace: held like NotReady', lease: L({ holder: 'a', stage: 'rebooting', seen: NOW - 300_000 }), holder: { kind: 'ready', readySinceMs: NOW - 120_000, disrupted: 'still cordoned by nodemend' }, want: 'held', has: 'cordoned by nodemend' },
  { name: 'Ready, publishing verifying, silent past grace: held', lease: L({ holder: 'a', stage: 'cordoned', stageSeen: NOW - 100_000, seen: NOW - 61_000 }), holder: { kind: 'ready', disrupted: 'published phase verifying' }, want: 'held' },
  { name: 'Ready, cordoned by nodemend, past max reboot: still held, saying how a person frees it (finding 9)', lease: L({ holder: 'a', stage: 'rebooting', seen: NOW - 601_000 }), holder: { kind: 'ready', readySinceMs: NOW - 120_000, disrupted: 'still cordoned by nodemend' }, want: 'held', has: 'kubectl uncordon a' },
  { name: 'Ready, publishing draining but not cordoned, past max reboot: stale', lease: L({ holder: 'a', stage: 'drained', seen: NOW - 601_000 }), holder: { kind: 'ready', readySinceMs: NOW - 120_000, disrupted: 'published phase draining' }, want: 'stale', has: 'maximum reboot' },
  { name: 'Ready since long, no agent renewing: stale', lease: L({ holder: 'a', stage: 'rebooting', seen: NOW - 500_000 }), holder: { kind: 'ready', readySinceMs: NOW - 120_000 }, want: 'stale' },
];
for (const c of verdictCases) {
  test(`verdict: ${c.name}`, () => {
    const v = verdict(c.lease, c.holder, NOW, rules);
    assert.equal(v.state, c.want);
    if (c.has) assert.match(v.state === 'free' ? '' : v.reason, new RegExp(c.has));
  });
}

const held = (i: number, holder: string): SlotView => ({ name: clusterSlotName(i), index: i, holder, verdict: { state: 'held', reason: `held by ${holder}` } });
const free = (i: number): SlotView => ({ name: clusterSlotName(i), index: i, verdict: { state: 'free' } });
const stale = (i: number, holder: string): SlotView => ({ name: clusterSlotName(i), index: i, holder, verdict: { state: 'stale', reason: 'gone' } });

const chooseCases: { name: string; limit: number; slots: SlotView[]; want: string }[] = [
  { name: 'empty group: create slot 0', limit: 2, slots: [], want: 'take nodemend-lock-0' },
  { name: 'slot 0 held: create slot 1', limit: 2, slots: [held(0, 'x')], want: 'take nodemend-lock-1' },
  { name: 'reuse a released lease', limit: 2, slots: [held(0, 'x'), free(1)], want: 'take nodemend-lock-1' },
  { name: 'lowest free index first', limit: 3, slots: [free(2), held(1, 'x')], want: 'take nodemend-lock-0' },
  { name: 'full', limit: 2, slots: [held(0, 'x'), held(1, 'y')], want: 'full' },
  { name: 'already mine', limit: 1, slots: [held(0, 'me')], want: 'mine nodemend-lock-0' },
  { name: 'stale holder is taken over', limit: 2, slots: [held(0, 'x'), stale(1, 'y')], want: 'take nodemend-lock-1 takeover' },
  { name: 'holder above a lowered limit still counts', limit: 2, slots: [held(0, 'x'), free(1), held(2, 'y')], want: 'full' },
  { name: 'lowered limit: free slot above limit is not used', limit: 1, slots: [held(0, 'x'), free(1)], want: 'full' },
  { name: 'lowered limit: holder above limit, slot 0 free but count reached', limit: 1, slots: [free(0), held(1, 'x')], want: 'full' },
  { name: 'limit 0 never grants', limit: 0, slots: [], want: 'full' },
];
for (const c of chooseCases) {
  test(`choose: ${c.name}`, () => {
    const r = choose('me', c.limit, 'cluster', c.slots, clusterSlotName);
    const got = r.kind === 'full' ? 'full' : r.kind === 'mine' ? `mine ${r.name}` : `take ${r.name}${r.takeover ? ' takeover' : ''}`;
    assert.equal(got, c.want);
  });
}

test('choose: a full group\'s summary stays the same while holders change; the detail stays in reason', () => {
  const at = (secs: number): SlotView[] => [
    { name: clusterSlotName(0), index: 0, holder: 'y', verdict: { state: 'held', reason: `held by y (NotReady, rebooting for ${secs}s)` } },
    held(1, 'x'),
  ];
  const [a, b] = [choose('me', 2, 'cluster', at(3), clusterSlotName), choose('me', 2, 'cluster', at(4), clusterSlotName)];
  assert.ok(a.kind === 'full' && b.kind === 'full');
  const c = choose('me', 2, 'cluster', [held(0, 'z'), held(1, 'x')], clusterSlotName);
  assert.ok(c.kind === 'full');
  assert.equal(a.summary, 'all 2 slots of the cluster are taken');
  assert.equal(a.summary, b.summary, 'unchanged while the holder stays down');
  assert.equal(a.summary, c.summary, 'unchanged when another node takes a slot over');
  assert.match(b.reason, /held by y \(NotReady, rebooting for 4s\); held by x/);
});

// Kured's holders during a cutover (foreign): they fill slots like nodemend's own holders.
const K = (...nodes: string[]) => ({ what: "Kured's lock on DaemonSet kube-system/kured", nodes });
const foreignCases: { name: string; limit: number; slots: SlotView[]; foreign: ReturnType<typeof K>; want: string }[] = [
  { name: 'one Kured holder fills a limit of 1', limit: 1, slots: [], foreign: K('k1'), want: 'full' },
  { name: 'one Kured holder leaves one of 2', limit: 2, slots: [], foreign: K('k1'), want: 'take nodemend-lock-0' },
  { name: 'Kured holder plus a nodemend holder fill 2', limit: 2, slots: [held(0, 'x')], foreign: K('k1'), want: 'full' },
  { name: 'two Kured holders (multi-holder lock) fill 2', limit: 2, slots: [], foreign: K('k1', 'k2'), want: 'full' },
  { name: 'a node holding both locks counts once', limit: 2, slots: [held(0, 'x')], foreign: K('x'), want: 'take nodemend-lock-1' },
  { name: "this node's own Kured entry does not count", limit: 1, slots: [], foreign: K('me'), want: 'take nodemend-lock-0' },
  { name: 'a stale nodemend slot does not make room past Kured', limit: 1, slots: [stale(0, 'y')], foreign: K('k1'), want: 'full' },
];
for (const c of foreignCases) {
  test(`choose with Kured holders: ${c.name}`, () => {
    const r = choose('me', c.limit, 'cluster', c.slots, clusterSlotName, c.foreign);
    const got = r.kind === 'full' ? 'full' : r.kind === 'mine' ? `mine ${r.name}` : `take ${r.name}${r.takeover ? ' takeover' : ''}`;
    assert.equal(got, c.want);
  });
}

test('choose with Kured holders: the published summary names them', () => {
  const r = choose('me', 2, 'cluster', [held(0, 'x')], clusterSlotName, K('k1'));
  assert.ok(r.kind === 'full');
  assert.equal(r.summary, "all 2 slots of the cluster are taken (1 by Kured's lock on DaemonSet kube-system/kured: k1)");
  assert.match(r.reason, /held by x; held by k1 \(Kured's lock/);
});

const turnCases: { name: string; free: number; position: number | undefined; want: number | undefined }[] = [
  { name: 'no free slot: nothing to try', free: 0, position: 1, want: undefined },
  { name: 'first in the queue goes at once', free: 1, position: 1, want: 0 },
  { name: 'two free slots: the second goes at once too', free: 2, position: 2, want: 0 },
  { name: 'second for one slot waits one step', free: 1, position: 2, want: TURN_STEP_MS },
  { name: 'fifth for two slots waits three steps', free: 2, position: 5, want: 3 * TURN_STEP_MS },
  { name: 'far back: capped (a dead waiter ahead costs little)', free: 1, position: 300, want: TURN_MAX_STEPS * TURN_STEP_MS },
  { name: 'no marker (position unknown): at once', free: 1, position: undefined, want: 0 },
];
for (const c of turnCases) test(`turnDelay: ${c.name}`, () => assert.equal(turnDelay(c.free, c.position), c.want));

const freeCases: { name: string; limit: number; holders: (string | undefined)[]; want: number }[] = [
  { name: 'no Leases yet', limit: 2, holders: [], want: 2 },
  { name: 'one held, one emptied', limit: 2, holders: ['a', ''], want: 1 },
  { name: 'all held', limit: 2, holders: ['a', 'b'], want: 0 },
  { name: 'held above a lowered limit', limit: 1, holders: ['a', 'b'], want: 0 },
  { name: 'holder field missing', limit: 1, holders: [undefined], want: 1 },
];
for (const c of freeCases) test(`freeSlots: ${c.name}`, () => assert.equal(freeSlots(c.limit, c.holders), c.want));

test('Observations: ages count from the first sight and from each change, by this process\'s clock only', () => {
  const o = new Observations();
  const rec = (version: string, stage = 'cordoned', stageAt = '2020-01-01T00:00:00Z') => ({ name: 'nodemend-lock-0', holder: 'a', stage, stageAt, version });
  assert.deepEqual(o.slot(rec('1'), 1000), { name: 'nodemend-lock-0', holder: 'a', stage: 'cordoned', seenChangeMs: 1000, seenStageMs: 1000 }, 'first seen counts as changed now');
  assert.equal(o.slot(rec('1'), 5000).seenChangeMs, 1000, 'unchanged');
  const renewed = o.slot(rec('2'), 6000);
  assert.deepEqual([renewed.seenChangeMs, renewed.seenStageMs], [6000, 1000], 'a renewal changes the record, not the stage');
  const rebooting = o.slot(rec('3', 'rebooting', '1990-01-01T00:00:00Z'), 7000);
  assert.deepEqual([rebooting.seenChangeMs, rebooting.seenStageMs], [7000, 7000], 'a new stage, whatever time it claims');
  assert.deepEqual(o.holder('a', { kind: 'ready' }, 100), { kind: 'ready', readySinceMs: 100 });
  assert.deepEqual(o.holder('a', { kind: 'ready', disrupted: 'x' }, 200), { kind: 'ready', disrupted: 'x', readySinceMs: 100 });
  o.holder('a', { kind: 'notready' }, 300);
  assert.deepEqual(o.holder('a', { kind: 'ready' }, 400), { kind: 'ready', readySinceMs: 400 }, 'Ready again: from now');
});

test('Lease call timeouts stay below the grace: renewals every grace/3 land less than 2/3 of the grace apart', () => {
  for (const grace of [MIN_STALE_LOCK_GRACE_MS, 20_000, 60_000, 300_000, 3_600_000]) {
    const t = leaseCallTimeoutMs(grace);
    assert.ok(t >= MIN_LEASE_CALL_MS, `${grace}: ${t} ms is enough for a loaded API server`);
    assert.ok(grace / 3 + t <= (2 * grace) / 3, `${grace}: renew interval + call timeout ${grace / 3 + t}`);
  }
  assert.equal(leaseCallTimeoutMs(300_000), 15_000, 'capped');
});

test('the full-group wording reads as a sentence for one slot and for a scope value', () => {
  const full = (limit: number, what: string) => {
    const r = choose('me', limit, what, Array.from({ length: limit }, (_, i) => ({ name: `s${i}`, index: i, holder: `h${i}`, verdict: { state: 'held' as const, reason: `held by h${i}` } })), clusterSlotName);
    assert.equal(r.kind, 'full');
    return r.kind === 'full' ? r.summary : '';
  };
  assert.equal(full(1, 'topology.kubernetes.io/zone=c'), 'the only slot of topology.kubernetes.io/zone=c is taken');
  assert.equal(full(1, 'cluster'), 'the only slot of the cluster is taken');
  assert.equal(full(3, 'nodemend.dev/pool=gpu'), 'all 3 slots of nodemend.dev/pool=gpu are taken');
});

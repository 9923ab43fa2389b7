// The reducer that folds every observation into the agent's facts: one case per kind, that it
// never mutates its input, and that an observation which changes nothing returns the same object
// (the runtime wakes the loop only for news).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Facts } from '../core/types.ts';
import type { HeldLock, NodeFacts } from '../ports.ts';
import { reduce, type Observation } from './reduce.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const NODE: NodeFacts = { name: 'n1', ready: true, unschedulable: false, cordonedByUs: false, bootId: 'b1', labels: {}, annotations: {}, resourceVersion: '1' };
const HELD: HeldLock = { leases: ['nodemend-lock-0', 'nodemend-lock-a-0'], acquiredAt: NOW - 60_000, stage: 'cordoned', stageAt: NOW - 1000, bootIdBefore: 'b1', wasUnschedulable: false, forced: false };
const IDLE: Facts = { node: NODE, cluster: {}, lock: { read: true }, marks: {}, sentinel: { required: true } };
const HOLDING: Facts = { ...IDLE, lock: { read: true, held: HELD }, marks: { ready: NOW - 5000 }, precheck: { at: NOW - 9000, value: [] }, drain: { at: NOW - 2000, value: { ok: false, reason: 'timeout', blocked: [] } }, health: { at: NOW - 100, value: { healthy: true } }, rebootIssuedAt: NOW - 3000 };
const WAITING: Facts = { ...IDLE, acquireFailure: { at: NOW - 1000, value: { reason: 'all 1 cluster slot(s) taken by n2' } } };

/** Runs reduce on a deep copy, and checks that the input was left as it was. */
function fold(f: Facts, o: Observation): Facts {
  const before = structuredClone(f);
  const out = reduce(f, o);
  assert.deepEqual(f, before, `${o.kind}: the input facts are not mutated`);
  return out;
}

const cases: { name: string; f: Facts; o: Observation; want: Facts | 'same' }[] = [
  { name: 'caches: node, DaemonSet annotations and Kured lock replace the old ones', f: IDLE, o: { kind: 'caches', node: { ...NODE, bootId: 'b2' }, cluster: { 'nodemend.dev/block': 'x' }, kured: { kind: 'off' } }, want: { ...IDLE, node: { ...NODE, bootId: 'b2' }, cluster: { 'nodemend.dev/block': 'x' }, kured: { kind: 'off' } } },
  { name: 'caches: a node gone from the cache is gone from the facts', f: IDLE, o: { kind: 'caches', node: undefined, cluster: {} }, want: (({ node: _n, ...r }) => r)(IDLE) },
  { name: 'lock-read: a held lock', f: { ...IDLE, lock: { read: false } }, o: { kind: 'lock-read', held: HELD }, want: { ...IDLE, lock: { read: true, held: HELD } } },
  { name: 'lock-read: none held', f: { ...IDLE, lock: { read: false, error: 'timeout' } }, o: { kind: 'lock-read', held: undefined }, want: { ...IDLE, lock: { read: true } } },
  { name: 'lock-unreadable keeps the error for the reason', f: { ...IDLE, lock: { read: false } }, o: { kind: 'lock-unreadable', error: 'connection refused' }, want: { ...IDLE, lock: { read: false, error: 'connection refused' } } },
  { name: 'resumed: instants not known yet are taken over', f: HOLDING, o: { kind: 'resumed', marks: { ready: NOW - 9999, gate: NOW - 4000 } }, want: { ...HOLDING, marks: { ready: NOW - 5000, gate: NOW - 4000 } } },
  { name: 'resumed: nothing new', f: HOLDING, o: { kind: 'resumed', marks: {} }, want: 'same' },
  { name: 'marked: first seen now, an earlier instant is kept', f: HOLDING, o: { kind: 'marked', marks: ['ready', 'release'], at: NOW }, want: { ...HOLDING, marks: { ready: NOW - 5000, release: NOW } } },
  { name: 'marked: all known already', f: HOLDING, o: { kind: 'marked', marks: ['ready'], at: NOW }, want: 'same' },
  { name: 'sentinel', f: IDLE, o: { kind: 'sentinel', value: { unknown: 'exec failed' } }, want: { ...IDLE, sentinel: { unknown: 'exec failed' } } },
  { name: 'blockers', f: IDLE, o: { kind: 'blockers', at: NOW, value: [{ name: 'prometheus-alerts', reason: 'firing' }] }, want: { ...IDLE, blockers: { at: NOW, value: [{ name: 'prometheus-alerts', reason: 'firing' }] } } },
  { name: 'precheck', f: IDLE, o: { kind: 'precheck', at: NOW, value: [] }, want: { ...IDLE, precheck: { at: NOW, value: [] } } },
  { name: 'health', f: HOLDING, o: { kind: 'health', at: NOW, value: { healthy: false, reason: 'etcd' } }, want: { ...HOLDING, health: { at: NOW, value: { healthy: false, reason: 'etcd' } } } },
  { name: 'no-slot: a fresh failure drops the retry time the last one had', f: { ...IDLE, acquireFailure: { at: NOW - 9000, value: { reason: 'old', retryAt: NOW - 10 } } }, o: { kind: 'no-slot', at: NOW, reason: 'all 1 cluster slot(s) taken by n2', behind: true }, want: { ...IDLE, acquireFailure: { at: NOW, value: { reason: 'all 1 cluster slot(s) taken by n2', behind: true } } } },
  { name: 'no-slot: at the front of the queue', f: IDLE, o: { kind: 'no-slot', at: NOW, reason: 'full', behind: false }, want: { ...IDLE, acquireFailure: { at: NOW, value: { reason: 'full' } } } },
  { name: 'acquired: the lock, and the wait and the last drain are over', f: { ...WAITING, drain: { at: NOW - 1, value: { ok: true } } }, o: { kind: 'acquired', lock: { ...HELD, stage: 'acquired' } }, want: { ...IDLE, lock: { read: true, held: { ...HELD, stage: 'acquired' } } } },
  { name: 'advanced: the stage stored', f: HOLDING, o: { kind: 'advanced', lock: { ...HELD, stage: 'drained', stageAt: NOW } }, want: { ...HOLDING, lock: { read: true, held: { ...HELD, stage: 'drained', stageAt: NOW } } } },
  { name: 'lock-lost: the slot is dropped and the reason kept', f: HOLDING, o: { kind: 'lock-lost', lease: 'nodemend-lock-0', holder: 'n9', at: NOW }, want: { ...HOLDING, lock: { read: true, held: { ...HELD, leases: ['nodemend-lock-a-0'], lost: { reason: 'Lease nodemend-lock-0 was taken over by n9', at: NOW } } } } },
  { name: 'lock-lost: a second slot adds its reason', f: { ...HOLDING, lock: { read: true, held: { ...HELD, leases: ['nodemend-lock-a-0'], lost: { reason: 'first', at: NOW - 5 } } } }, o: { kind: 'lock-lost', lease: 'nodemend-lock-a-0', holder: '', at: NOW }, want: { ...HOLDING, lock: { read: true, held: { ...HELD, leases: [], lost: { reason: 'first; Lease nodemend-lock-a-0 was taken over by nobody (emptied)', at: NOW } } } } },
  { name: 'lock-lost: a slot this node does not hold is no news', f: HOLDING, o: { kind: 'lock-lost', lease: 'nodemend-lock-1', holder: 'n9', at: NOW }, want: 'same' },
  { name: 'lock-lost: no lock held', f: IDLE, o: { kind: 'lock-lost', lease: 'nodemend-lock-0', holder: 'n9', at: NOW }, want: 'same' },
  { name: 'slot-turn: a waiting node retries at its turn', f: WAITING, o: { kind: 'slot-turn', retryAt: NOW + 500 }, want: { ...WAITING, acquireFailure: { at: NOW - 1000, value: { reason: 'all 1 cluster slot(s) taken by n2', retryAt: NOW + 500 } } } },
  { name: 'slot-turn: an earlier turn is kept', f: { ...WAITING, acquireFailure: { at: NOW - 1000, value: { reason: 'r', retryAt: NOW } } }, o: { kind: 'slot-turn', retryAt: NOW + 500 }, want: 'same' },
  { name: 'slot-turn: not waiting for a slot', f: IDLE, o: { kind: 'slot-turn', retryAt: NOW }, want: 'same' },
  { name: 'drain-failed', f: HOLDING, o: { kind: 'drain-failed', at: NOW, result: { ok: false, reason: 'drain cancelled', blocked: [] } }, want: { ...HOLDING, drain: { at: NOW, value: { ok: false, reason: 'drain cancelled', blocked: [] } } } },
  { name: 'reboot-issued', f: HOLDING, o: { kind: 'reboot-issued', at: NOW }, want: { ...HOLDING, rebootIssuedAt: NOW } },
  { name: 'kured-cordon', f: IDLE, o: { kind: 'kured-cordon', at: NOW, value: { unschedulable: true, cordonManagers: ['kured'], kuredPods: [], resourceVersion: '9' } }, want: { ...IDLE, kuredCordon: { at: NOW, value: { unschedulable: true, cordonManagers: ['kured'], kuredPods: [], resourceVersion: '9' } } } },
  { name: 'kured-cordon-stale: gathered again next', f: { ...IDLE, kuredCordon: { at: NOW, value: { unschedulable: true, cordonManagers: [], kuredPods: [], resourceVersion: '9' } } }, o: { kind: 'kured-cordon-stale' }, want: IDLE },
  { name: 'kured-cordon-stale: nothing gathered', f: IDLE, o: { kind: 'kured-cordon-stale' }, want: 'same' },
  { name: 'released (succeeded): the attempt is forgotten', f: HOLDING, o: { kind: 'released', at: NOW, outcome: 'succeeded', reason: 'ok', dryRun: false }, want: IDLE },
  { name: 'released (failed): the failure is kept for the back-off', f: HOLDING, o: { kind: 'released', at: NOW, outcome: 'failed', reason: 'drain failed', dryRun: false }, want: { ...IDLE, lastFailure: { at: NOW, value: 'drain failed' } } },
  { name: 'released (dry run): the rehearsal time is kept', f: { ...HOLDING, lock: { read: true, held: { ...HELD, stage: 'acquired' } } }, o: { kind: 'released', at: NOW, outcome: 'cancelled', reason: 'dry run', dryRun: true }, want: { ...IDLE, dryRunAt: NOW } },
];

for (const c of cases) {
  test(`reduce ${c.name}`, () => {
    const out = fold(c.f, c.o);
    if (c.want === 'same') assert.equal(out, c.f, 'the same object: nothing changed');
    else assert.deepEqual(out, c.want);
  });
}

test('every observation kind has a case', () => {
  const kinds: Observation['kind'][] = ['caches', 'lock-read', 'lock-unreadable', 'resumed', 'marked', 'sentinel', 'blockers', 'precheck', 'health', 'no-slot', 'acquired', 'advanced', 'lock-lost', 'slot-turn', 'drain-failed', 'reboot-issued', 'kured-cordon', 'kured-cordon-stale', 'released'];
  assert.deepEqual([...new Set(cases.map((c) => c.o.kind))].sort(), [...kinds].sort());
});

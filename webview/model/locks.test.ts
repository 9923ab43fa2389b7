/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../protocol/messages.ts';
import { bigCluster, iso, node, snapshot, state, T0 } from '../testing/builders.ts';
import { lockRows, scopeText, scopeUse } from './locks.ts';

const byName = (s: ClusterSnapshot) => new Map(s.nodes.map((n) => [n.name, n]));

test('slots show holder, time held, stage and drain; free slots counted', () => {
  const s = bigCluster(30);
  const r = lockRows(s, byName(s), T0);
  assert.equal(r.free, 0);
  assert.deepEqual(r.slots[0], {
    name: 'nodemend-0',
    scope: 'cluster',
    holder: 'node-0000',
    heldFor: '5m 20s',
    since: '2026-11-24 19:54 UTC',
    stage: 'Draining',
    drain: '12 of 40 pods left · blocked by PDB web-pdb',
    unknownHolder: false,
    expired: false,
  });
  assert.equal(r.slots[1].stage, 'Rebooting');
  assert.equal(r.slots[1].drain, undefined);
  assert.deepEqual(r.waiting.slice(0, 2).map((w) => [w.position, w.node]), [[1, 'node-0002'], [2, 'node-0003']]);
  assert.match(r.waiting[0].reason, /lock held by/);
  assert.equal(r.waiting[0].waitedFor, '3m 00s');
});

test('a holder without a node, a waiting node without state or without a node, an empty slot', () => {
  const s = snapshot({
    nodes: [node('quiet')],
    locks: { slots: [{ name: 'l0', scope: 'zone=a', holder: 'gone', since: 'bad time' }, { name: 'l1', scope: 'cluster' }], waiting: ['quiet', 'ghost'] },
  });
  const r = lockRows(s, byName(s), T0);
  assert.deepEqual(r.slots[0], { name: 'l0', scope: 'zone=a', holder: 'gone', unknownHolder: true, expired: false });
  assert.deepEqual(r.slots[1], { name: 'l1', scope: 'cluster', unknownHolder: false, expired: false });
  assert.equal(r.free, 1);
  assert.deepEqual(r.waiting.map((w) => w.reason), ['no agent state', 'node not found']);
});

test('lease stage and expiry: shown next to the node phase; a past expiry is flagged', () => {
  const s = snapshot({
    nodes: [node('h', { state: state('draining') })],
    locks: {
      slots: [
        { name: 'l0', scope: 'cluster', holder: 'h', since: iso(T0 - 60_000), stage: 'cordoned', expiresAt: iso(T0 + 40_000) },
        { name: 'l1', scope: 'cluster', holder: 'gone', stage: 'rebooting', expiresAt: iso(T0 - 12_000) },
      ],
      waiting: [],
    },
  });
  const r = lockRows(s, byName(s), T0);
  assert.equal(r.slots[0].stage, 'Draining (lease: cordoned)');
  assert.deepEqual([r.slots[0].expires, r.slots[0].expired], ['in 40s', false]);
  assert.equal(r.slots[1].stage, 'lease: rebooting');
  assert.deepEqual([r.slots[1].expires, r.slots[1].expired], ['12s ago', true]);
});

test('a future since never shows negative time', () => {
  const s = snapshot({
    nodes: [node('h', { state: state('verifying', { since: iso(T0 + 5000) }) })],
    locks: { slots: [{ name: 'l', scope: 'cluster', holder: 'h', since: iso(T0 + 5000) }], waiting: ['h'] },
  });
  const r = lockRows(s, byName(s), T0);
  assert.equal(r.slots[0].heldFor, '0s');
  assert.equal(r.waiting[0].waitedFor, '0s');
});

test('slot use per scope: a node holding a cluster and a zone slot is not counted twice (issue 17)', () => {
  const Z = 'topology.kubernetes.io/zone';
  const slots = [
    { name: 'nodemend-lock-0', scope: 'cluster', holder: 'n1' },
    { name: 'nodemend-lock-1', scope: 'cluster', holder: 'n2' },
    { name: 'nodemend-lock-a-0', scope: `${Z}=a` },
    { name: 'nodemend-lock-b-0', scope: `${Z}=b`, holder: 'n1' },
    { name: 'nodemend-lock-c-0', scope: `${Z}=c`, holder: 'n2' },
  ];
  assert.deepEqual(scopeUse(slots), [
    { label: 'cluster', used: 2, total: 2 },
    { label: Z, value: 'a', used: 0, total: 1 },
    { label: Z, value: 'b', used: 1, total: 1 },
    { label: Z, value: 'c', used: 1, total: 1 },
  ]);
  assert.equal(scopeText(scopeUse(slots)), 'cluster 2/2 · zone a 0/1 · b 1/1 · c 1/1');
  const s = snapshot({ nodes: [], locks: { slots, waiting: [] } });
  assert.equal(lockRows(s, byName(s), T0).scopes, 'cluster 2/2 · zone a 0/1 · b 1/1 · c 1/1');
});

test('slot use per scope: cluster only, two labels, an unlabelled group, a Lease from before the scope annotation', () => {
  assert.equal(scopeText(scopeUse([{ scope: 'cluster' }, { scope: 'cluster', holder: 'x' }])), 'cluster 1/2');
  assert.equal(scopeText(scopeUse([])), '');
  const mixed = [{ scope: 'nodemend.dev/pool=gpu' }, { scope: 'cluster' }, { scope: 'topology.kubernetes.io/zone=' , holder: 'y' }, { scope: 'zone-a' }, { scope: 'nodemend.dev/pool=cpu', holder: 'z' }];
  assert.equal(scopeText(scopeUse(mixed)), 'cluster 0/1 · pool cpu 1/1 · gpu 0/1 · zone (unlabelled) 1/1 · zone-a 0/1');
});

/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../protocol/messages.ts';
import { bigCluster, iso, node, snapshot, state, T0 } from '../testing/builders.ts';
import { lockRows } from './locks.ts';

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

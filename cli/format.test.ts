import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LockView, NodeView } from '../protocol/messages.ts';
import { renderHistory, renderLocks, renderStatus, statusRows, table, when } from './format.ts';

const NOW = Date.parse('2026-12-06T19:00:00Z');
const state = (phase: string, reason: string, extra: object = {}) => ({ v: 1 as const, phase: phase as 'healthy', reason, since: '2026-12-06T18:00:00Z', rebootRequired: phase !== 'healthy', agent: 'a', ...extra });
const node = (name: string, o: Partial<NodeView> = {}): NodeView => ({ name, ready: true, unschedulable: false, cordonedByUs: false, requests: {}, requestErrors: [], history: [], ...o });

const views: NodeView[] = [
  node('w-10', { state: state('waiting-lock', 'waiting for a lock slot') }),
  node('w-2', { state: state('draining', 'draining 3 pods', { lock: 'nodemend-lock-0' }), zone: 'a' }),
  node('w-1', {
    state: state('waiting-window', 'outside the reboot window', { nextWindow: '2026-12-07T01:00:00Z' }),
    history: [{ start: '2026-12-05T03:00:00Z', end: '2026-12-05T03:04:30Z', outcome: 'succeeded', drainMs: 60_000, rebootMs: 150_000, verifyMs: 60_000 }],
    requests: { block: { reason: 'close', until: '2026-12-08T00:00:00Z' } },
  }),
  node('w-3', { state: state('waiting-lock', 'waiting', { trigger: { kind: 'condition', detail: 'node condition KernelDeadlock=True since 2026-12-06T17:00:00Z (held 5m or longer)' } }) }),
];
const locks: LockView = { slots: [{ name: 'nodemend-lock-0', scope: 'cluster', holder: 'w-2', since: '2026-12-06T18:55:00Z', stage: 'cordoned' }, { name: 'nodemend-lock-1', scope: 'cluster' }], waiting: ['w-3', 'w-10'] };

test('status rows: sorted by name, slot from the Leases or the state, queue place of the waiting', () => {
  const rows = statusRows(views, locks);
  assert.deepEqual(rows.map((r) => [r.node, r.slot, r.queue]), [
    ['w-1', undefined, undefined],
    ['w-2', 'nodemend-lock-0', undefined],
    ['w-3', undefined, { position: 1, of: 2 }],
    ['w-10', undefined, { position: 2, of: 2 }],
  ]);
  // Without the Leases: the slot from the agent's state, and "waiting, place unknown".
  const blind = statusRows(views, undefined);
  assert.deepEqual(blind.map((r) => [r.node, r.slot, r.queue]), [
    ['w-1', undefined, undefined],
    ['w-2', 'nodemend-lock-0', undefined],
    ['w-3', undefined, { position: 0, of: 0 }],
    ['w-10', undefined, { position: 0, of: 0 }],
  ]);
  // With the Leases readable they are the lock: a state still naming a slot it lost shows none.
  const stale = statusRows([node('w-9', { state: state('draining', 'x', { lock: 'nodemend-lock-1' }) })], locks);
  assert.equal(stale[0].slot, undefined);
  assert.deepEqual(rows[0].lastReboot, { end: '2026-12-05T03:04:30Z', outcome: 'succeeded' });
});

test('status table and wide table, in the reader\'s zone', () => {
  const s = { clusterBlock: { reason: 'freeze' }, nodes: statusRows(views, locks) };
  const t = renderStatus(s, 'table', 'Europe/Berlin', NOW);
  assert.equal(
    t,
    [
      'Cluster-wide block: freeze, until resumed',
      '',
      'NODE   PHASE            REASON                      NEXT WINDOW                SLOT/QUEUE        LAST REBOOT',
      'w-1    waiting-window   outside the reboot window   2026-12-07 02:00 (in 6h)   -                 2026-12-05 04:04 (1d15h ago) succeeded',
      'w-2    draining         draining 3 pods             -                          nodemend-lock-0   -',
      'w-3    waiting-lock     waiting                     -                          queue 1/2         -',
      'w-10   waiting-lock     waiting for a lock slot     -                          queue 2/2         -',
      '',
    ].join('\n'),
  );
  const w = renderStatus(s, 'wide', 'UTC', NOW).split('\n');
  assert.match(w[2], /READY   ZONE   SINCE\s+REQUESTS\s+TRIGGER$/);
  assert.match(w[3], /True    -      2026-12-06 18:00 \(1h ago\)   blocked: close until 2026-12-08 00:00 \(in 1d5h\)\s+-$/);
  assert.match(w[5], /condition KernelDeadlock=True since 2026-12-06T17:00:00Z \(held 5m or longer\)$/);
  assert.match(w[4], / a +2026-12-06 18:00/);
});

test('json and yaml carry the same rows, times as RFC3339', () => {
  const s = { clusterBlock: null, nodes: statusRows(views.slice(0, 1), undefined) };
  const j = JSON.parse(renderStatus(s, 'json', 'UTC', NOW));
  assert.equal(j.clusterBlock, null);
  assert.equal(j.nodes[0].nextWindow, undefined);
  assert.equal(j.nodes[0].node, 'w-10');
  assert.equal(j.nodes[0].phase, 'waiting-lock');
  const y = renderStatus(s, 'yaml', 'UTC', NOW);
  assert.match(y, /^clusterBlock: null$/m);
  assert.match(y, /^ {2}- node: w-10$|^- node: w-10$/m);
});

test('history and locks', () => {
  const h = renderHistory(views[2], 'table', 'UTC', NOW);
  assert.match(h, /^w-1: waiting-window since 2026-12-06 18:00 \(1h ago\): outside the reboot window$/m);
  assert.match(h, /^2026-12-05 03:00 \(1d16h ago\)   succeeded   4m30s   1m      2m30s    1m       -        -$/m);
  assert.match(renderHistory(node('x'), 'table', 'UTC', NOW), /no agent has reported[\s\S]*No reboots recorded yet/);
  assert.deepEqual(JSON.parse(renderHistory(views[2], 'json', 'UTC', NOW)).history, views[2].history);
  const l = renderLocks(locks, 'table', 'UTC', NOW);
  assert.match(l, /^nodemend-lock-0   cluster   w-2      2026-12-06 18:55 \(5m ago\)   cordoned$/m);
  assert.match(l, /^nodemend-lock-1   cluster   \(free\)   - {27}-$/m);
  assert.match(l, /Waiting for a slot, first in line first: w-3, w-10/);
});

test('helpers: table pads to the widest cell, times read in the zone', () => {
  assert.equal(table(['A', 'BB'], [['xyz', '1']]), 'A     BB\nxyz   1\n');
  assert.equal(when(undefined, 'UTC', NOW), '-');
  assert.equal(when('2026-12-06T19:00:30Z', 'UTC', NOW), '2026-12-06 19:00 (now)');
  assert.equal(when('2026-12-06T21:30:00Z', 'America/New_York', NOW), '2026-12-06 16:30 (in 2h30m)');
});

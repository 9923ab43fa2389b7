/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../../protocol/messages.ts';
import { node, state } from '../testing/builders.ts';
import { nodeActions } from './actions.ts';
import { drainInfo } from './drain.ts';

const enabled = (n: NodeView) => nodeActions(n).filter((a) => a.enabled).map((a) => a.action);

const cases: { name: string; n: NodeView; want: string[] }[] = [
  { name: 'healthy, no requests', n: node('a', { state: state('healthy') }), want: ['scheduleReboot', 'forceReboot', 'blockNode', 'showHistory'] },
  { name: 'draining: no new reboot', n: node('a', { state: state('draining') }), want: ['blockNode', 'showHistory'] },
  {
    name: 'requested and blocked: cancel and unblock',
    n: node('a', { state: state('blocked'), requests: { rebootAfter: '2026-11-24T20:00:00Z', block: { reason: 'db' } } }),
    want: ['scheduleReboot', 'forceReboot', 'unblockNode', 'cancelRequest', 'showHistory'],
  },
  { name: 'force requested: cancel', n: node('a', { requests: { forceReboot: '2026-11-24T20:00:00Z' } }), want: ['scheduleReboot', 'forceReboot', 'blockNode', 'cancelRequest', 'showHistory'] },
];
for (const c of cases) test(`actions: ${c.name}`, () => assert.deepEqual(enabled(c.n), c.want));

test('disabled actions say why; force is marked dangerous', () => {
  const acts = nodeActions(node('a', { state: state('rebooting') }));
  assert.equal(acts.find((a) => a.action === 'scheduleReboot')?.hint, 'already rebooting');
  assert.equal(acts.find((a) => a.action === 'cancelRequest')?.hint, 'no reboot request on this node');
  assert.equal(acts.find((a) => a.action === 'forceReboot')?.danger, true);
});

const drains: { name: string; d: NonNullable<NonNullable<NodeView['state']>['drain']> | undefined; want: ReturnType<typeof drainInfo> }[] = [
  { name: 'no drain', d: undefined, want: undefined },
  { name: 'empty node', d: { total: 0, left: 0, blocked: [], startedAt: '' }, want: { done: 1, text: 'no pods to evict', pdbs: [] } },
  {
    name: 'PDBs listed once, sorted; pods without a PDB counted',
    d: {
      total: 10,
      left: 4,
      startedAt: '',
      blocked: [
        { pod: 'a', pdb: 'web', reason: '' },
        { pod: 'b', pdb: 'db', reason: '' },
        { pod: 'c', pdb: 'web', reason: '' },
        { pod: 'd', reason: 'emptyDir' },
      ],
    },
    want: { done: 0.6, text: '4 of 10 pods left · blocked by PDB db, web · 1 pod refused', pdbs: ['db', 'web'] },
  },
  { name: 'left above total is clamped', d: { total: 5, left: 9, blocked: [], startedAt: '' }, want: { done: 0, text: '5 of 5 pods left', pdbs: [] } },
];
for (const c of drains) {
  test(`drainInfo: ${c.name}`, () => assert.deepEqual(drainInfo(node('n', c.d ? { state: state('draining', { drain: c.d }) } : {})), c.want));
}

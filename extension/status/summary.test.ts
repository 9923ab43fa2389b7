import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../protocol/messages.ts';
import { node, snapshot, state } from '../state/builders.ts';
import { summarize } from './summary.ts';

const cases: { name: string; s: ClusterSnapshot | undefined; text: string; attention?: boolean }[] = [
  { name: 'not connected', s: undefined, text: '' },
  { name: 'empty cluster', s: snapshot([]), text: 'no nodes' },
  { name: 'all healthy', s: snapshot([node('a', { phase: 'healthy' }), node('b', { phase: 'healthy' })]), text: '2 healthy' },
  {
    name: 'moving parts first',
    s: snapshot([node('a', { phase: 'waiting-lock' }), node('b', { phase: 'rebooting' }), node('c', { phase: 'verifying' }), node('d', { phase: 'waiting-window' }), node('e', { phase: 'healthy' })]),
    text: '2 rebooting, 2 waiting',
  },
  {
    name: 'at most three parts',
    s: snapshot([node('a', { phase: 'rebooting' }), node('b', { phase: 'draining' }), node('c', { phase: 'waiting-lock' }), node('d', { phase: 'blocked' })]),
    text: '1 rebooting, 1 draining, 1 waiting, …',
  },
  { name: 'failed needs attention', s: snapshot([node('a', { phase: 'failed' })]), text: '1 failed', attention: true },
  {
    name: 'drain blocked by a PDB needs attention',
    s: snapshot([node('a', { phase: 'draining', state: state('draining', { drain: { total: 2, left: 1, blocked: [{ pod: 'p', pdb: 'x', reason: 'r' }], startedAt: 't' } }) })]),
    text: '1 draining',
    attention: true,
  },
  { name: 'cluster block is said first', s: snapshot([node('a', { phase: 'blocked' })], { clusterBlock: { reason: 'freeze' } }), text: 'cluster blocked · 1 blocked' },
];
for (const c of cases) {
  test(`summary: ${c.name}`, () => {
    const r = summarize(c.s);
    assert.equal(r.text, c.text);
    assert.equal(r.attention, c.attention ?? false);
  });
}

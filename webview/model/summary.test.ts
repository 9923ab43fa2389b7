/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Forecast } from '../../protocol/messages.ts';
import { node, snapshot, state, T0 } from '../testing/builders.ts';
import { summarize } from './summary.ts';

test('counts per phase, most urgent first, zero counts left out; unknown when no agent state', () => {
  const s = snapshot({
    nodes: [
      node('a', { state: state('healthy') }),
      node('b', { state: state('draining') }),
      node('c', { state: state('healthy') }),
      node('d', { ready: false }),
      node('e', { state: state('rebooting'), ready: false, requestErrors: ['nodemend.dev/reboot-after: bad'] }),
    ],
  });
  const sum = summarize(s, T0);
  assert.deepEqual(sum.counts, [
    { phase: 'rebooting', count: 1 },
    { phase: 'draining', count: 1 },
    { phase: 'healthy', count: 2 },
    { phase: 'unknown', count: 1 },
  ]);
  assert.equal(sum.total, 5);
  assert.equal(sum.disrupted, 2);
  assert.equal(sum.notReady, 2);
  assert.equal(sum.requestErrors, 1);
  assert.equal(sum.clusterBlock, undefined);
});

const forecasts: { name: string; f: Forecast; text: string; fits: string; held?: number; fitNote?: string }[] = [
  { name: 'nothing pending', f: { pending: 0, enoughData: true, basis: 'x' }, text: 'nothing pending', fits: 'unknown' },
  {
    name: 'not enough data names the basis',
    f: { pending: 4, enoughData: false, basis: 'only 1 reboot measured', fitsWindow: undefined },
    text: 'not enough data: only 1 reboot measured',
    fits: 'unknown',
  },
  {
    name: 'enough data but no finish time is still not enough',
    f: { pending: 4, enoughData: true, basis: '' },
    text: 'not enough data',
    fits: 'unknown',
  },
  {
    name: 'finish time, fits',
    f: { pending: 4, enoughData: true, basis: 'b', finishAt: '2026-11-24T22:05:00Z', fitsWindow: true, perNodeMs: 240_000 },
    text: 'finishes in 2h 05m (2026-11-24 22:05 UTC)',
    fits: 'yes',
  },
  {
    name: 'does not fit',
    f: { pending: 40, enoughData: true, basis: 'b', finishAt: '2026-11-25T09:00:00Z', fitsWindow: false },
    text: 'finishes in 13h 00m (2026-11-25 09:00 UTC)',
    fits: 'no',
  },
  // Issue 17: what cannot move is said, never forecast.
  {
    name: 'all held: cannot finish, and by what',
    f: { pending: 0, enoughData: true, basis: 'b', fitUnknown: 'no node can move', held: [{ by: 'pdb', pdb: 'shop/api', count: 2, nodes: ['a', 'b'] }, { by: 'manual', count: 1, nodes: ['c'] }] },
    text: 'cannot finish: 3 nodes held (2 by PDB shop/api, 1 by a person)',
    fits: 'unknown',
    held: 3,
    fitNote: 'window fit unknown: no node can move',
  },
  {
    name: 'some held: the finish time of the others, and how many are held',
    f: { pending: 2, enoughData: true, basis: 'b', finishAt: '2026-11-24T22:05:00Z', fitsWindow: true, held: [{ by: 'cluster-manual', count: 1, nodes: ['x'] }] },
    text: 'finishes in 2h 05m (2026-11-24 22:05 UTC); 1 node held (1 by the cluster-wide block), not forecast',
    fits: 'yes',
    held: 1,
  },
  {
    name: 'fit unknown: why',
    f: { pending: 1, enoughData: true, basis: 'b', finishAt: '2026-11-24T22:05:00Z', fitUnknown: 'the window is closed; the agents publish its end once it opens' },
    text: 'finishes in 2h 05m (2026-11-24 22:05 UTC)',
    fits: 'unknown',
    fitNote: 'window fit unknown: the window is closed; the agents publish its end once it opens',
  },
];
for (const c of forecasts) {
  test(`forecast: ${c.name}`, () => {
    const sum = summarize(snapshot({ forecast: c.f }), T0);
    assert.equal(sum.forecast.text, c.text);
    assert.equal(sum.forecast.fits, c.fits);
    assert.equal(sum.forecast.held, c.held ?? 0);
    assert.equal(sum.forecast.fitNote, c.fitNote);
  });
}

test('per-node duration and cluster block banner', () => {
  const sum = summarize(
    snapshot({
      forecast: { pending: 1, enoughData: true, basis: '', perNodeMs: 240_000 },
      clusterBlock: { reason: 'change freeze', until: '2026-11-26T08:00:00Z' },
    }),
    T0,
  );
  assert.equal(sum.forecast.perNode, '4m 00s');
  assert.equal(sum.clusterBlock, 'All reboots blocked until 2026-11-26 08:00 UTC: change freeze');
  assert.equal(summarize(snapshot({ clusterBlock: { reason: 'x' } }), T0).clusterBlock, 'All reboots blocked until removed: x');
});

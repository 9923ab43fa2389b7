/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../protocol/messages.ts';
import { iso, node, record, snapshot, state, T0 } from '../testing/builders.ts';
import { buildTimeline, median } from './timeline.ts';

const byName = (s: ClusterSnapshot) => new Map(s.nodes.map((n) => [n.name, n]));
const round = (x: number) => Math.round(x * 1000) / 1000;

test('bars share one axis, newest first, segments in stage order with the rest as other', () => {
  const s = snapshot({
    nodes: [
      // 0..600 s: drain 120 + reboot 90 + verify 30 = 240, other 360
      node('a', { history: [{ ...record(T0 - 1_200_000), end: iso(T0 - 600_000) }] }),
      // 600..840 s, exactly the measured stages
      node('b', { history: [record(T0 - 600_000, { outcome: 'failed', forced: true })] }),
    ],
  });
  const tl = buildTimeline(s, byName(s), T0);
  assert.deepEqual(tl.rows.map((r) => [r.node, r.outcome, r.forced, round(r.left), round(r.width)]), [
    ['b', 'failed', true, 0.714, 0.286],
    ['a', 'succeeded', false, 0, 0.714],
  ]);
  assert.deepEqual(tl.rows[1].segments.map((g) => [g.kind, round(g.share)]), [
    ['drain', 0.2],
    ['reboot', 0.15],
    ['verify', 0.05],
    ['other', 0.6],
  ]);
  assert.deepEqual(tl.rows[0].segments.map((g) => g.kind), ['drain', 'reboot', 'verify']);
  assert.match(tl.rows[0].label, /^b: failed \(forced\), started 19:50:00 UTC, took 4m 00s \(drain 2m 00s, reboot 1m 30s, verify 30s\)$/);
  assert.deepEqual(tl.ticks.map((t) => t.label), ['19:40', '19:43', '19:47', '19:50', '19:54']);
  // Medians only over succeeded reboots.
  assert.deepEqual(tl.medians, { drain: '2m 00s', reboot: '1m 30s', verify: '30s' });
});

test('stages that add up to more than the bar are scaled to fit', () => {
  const s = snapshot({ nodes: [node('a', { history: [{ ...record(T0 - 480_000, { drainMs: 400_000, rebootMs: 400_000, verifyMs: 0 }), end: iso(T0 - 80_000) }] })] });
  const segs = buildTimeline(s, byName(s), T0).rows[0].segments;
  assert.deepEqual(segs.map((g) => [g.kind, round(g.share)]), [['drain', 0.5], ['reboot', 0.5]]);
});

test('reboots in progress are open bars ending now, in the holder’s current stage', () => {
  const s = snapshot({
    nodes: [node('h', { state: state('rebooting') }), node('old', { history: [record(T0 - 3_600_000)] })],
    locks: { slots: [{ name: 'l0', scope: 'cluster', holder: 'h', since: iso(T0 - 300_000) }, { name: 'l1', scope: 'cluster' }], waiting: [] },
  });
  const tl = buildTimeline(s, byName(s), T0);
  assert.equal(tl.rows[0].node, 'h');
  assert.equal(tl.rows[0].outcome, 'in-progress');
  assert.deepEqual(tl.rows[0].segments, [{ kind: 'reboot', share: 1, ms: 300_000 }]);
  assert.equal(round(tl.rows[0].left + tl.rows[0].width), 1);
  // A short axis keeps seconds on its ticks.
  const short = snapshot({ nodes: [node('a', { history: [record(T0 - 240_000)] })] });
  assert.deepEqual(buildTimeline(short, byName(short), T0).ticks.map((t) => t.label), ['19:56:00', '19:57:00', '19:58:00', '19:59:00', '20:00:00']);
});

test('unreadable or reversed records are skipped; empty history gives an empty timeline; limit holds', () => {
  const bad = snapshot({ nodes: [node('a', { history: [{ start: 'x', end: 'y', outcome: 'succeeded' }, { start: iso(T0), end: iso(T0 - 1), outcome: 'failed' }] })] });
  assert.deepEqual(buildTimeline(bad, byName(bad), T0), { rows: [], ticks: [] });
  const many = snapshot({ nodes: Array.from({ length: 50 }, (_, i) => node(`n${i}`, { history: [record(T0 - i * 1_000_000)] })) });
  const tl = buildTimeline(many, byName(many), T0, 10);
  assert.equal(tl.rows.length, 10);
  assert.equal(tl.rows[0].node, 'n0');
});

const medians: [number[], number | undefined][] = [[[], undefined], [[3], 3], [[5, 1, 3], 3], [[4, 1, 3, 2], 2.5]];
for (const [xs, want] of medians) test(`median(${xs}) = ${want}`, () => assert.equal(median(xs), want));

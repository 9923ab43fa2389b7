import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeBars, timelineSvg, type ChartRollout } from './chart.ts';
import type { TimelineEvent } from './stats.ts';

const ev = (node: string, kind: TimelineEvent['kind'], t: number): TimelineEvent => ({ node, kind, t });
const A = [ev('n-0', 'sentinel', 0), ev('n-0', 'lock', 100), ev('n-0', 'cordon', 200), ev('n-0', 'reboot', 1200), ev('n-0', 'ready', 6200), ev('n-0', 'uncordon', 6400), ev('n-0', 'release', 6500)];

const barCases: { name: string; evs: TimelineEvent[]; want: [string, number, number][] }[] = [
  { name: 'full cycle', evs: A, want: [['wait', 0, 200], ['drain', 200, 1200], ['reboot', 1200, 6200], ['verify', 6200, 6500]] },
  { name: 'never got the lock', evs: [ev('n-1', 'sentinel', 0)], want: [] },
  { name: 'still draining', evs: A.slice(0, 3), want: [['wait', 0, 200]] },
];
for (const c of barCases) test(`nodeBars: ${c.name}`, () => assert.deepEqual(nodeBars(c.evs).map((b) => [b.kind, b.from, b.to]), c.want));

test('timelineSvg draws one row per node and escapes labels', () => {
  const r: ChartRollout[] = [
    { system: 'nodemend', settings: { concurrency: 1, periodSeconds: 10 }, completed: true, wallMs: 6500, events: A },
    { system: 'kured<x>', settings: { concurrency: 1, periodSeconds: 10 }, completed: false, wallMs: 13000, events: [...A.map((e) => ({ ...e, t: e.t * 2 })), ev('n-1', 'sentinel', 0)] },
  ];
  const svg = timelineSvg(r);
  assert.ok(svg.startsWith('<svg'));
  assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 8);
  assert.match(svg, /kured&lt;x&gt;/);
  assert.match(svg, /did not finish/);
  assert.equal((svg.match(/>n-\d</g) ?? []).length, 3);
});

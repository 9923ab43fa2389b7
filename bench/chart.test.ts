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

test('footprintRows: one row per variant, then Kured; footprintSvg draws two bars each', async () => {
  const { footprintRows, footprintSvg } = await import('./chart.ts');
  const m = (id: string, nodemend: number, kured: number | null, opts: string) => ({ id, what: id, units: 'MiB', nodemend, kured, ratio: null, n: 4, settings: { nodemendNodeOptions: opts } });
  const ms = [m('rss-idle', 100, 40, '--enable-source-maps'), m('cpu-idle', 1, 0.1, ''), m('rss-drain', 120, 42, ''), m('cpu-drain', 3, 0.2, ''), m('rss-idle@1', 60, 40, '--lite-mode'), m('rss-drain@1', 70, 42, '')];
  const rows = footprintRows(ms);
  assert.deepEqual(rows.map((r) => [r.label, r.rssIdle, r.rssDrain]), [['nodemend --enable-source-maps', 100, 120], ['nodemend --lite-mode', 60, 70], ['Kured', 40, 42]]);
  const svg = footprintSvg(rows, 'a <title>');
  assert.equal((svg.match(/<rect x="430"/g) ?? []).length, 6);
  assert.match(svg, /a &lt;title&gt;/);
});

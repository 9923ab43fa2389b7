import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detections, handoffs, idealMs, maxConcurrentCordoned, median, nodeWork, parseCpuTicks, lastJson, parseLabels, parseRssAnonKb, parseRssKb, percentile, ratio, sumMetric, type TimelineEvent } from './stats.ts';

const pctCases: { xs: number[]; p: number; want: number }[] = [
  { xs: [], p: 50, want: NaN },
  { xs: [7], p: 95, want: 7 },
  { xs: [3, 1, 2], p: 50, want: 2 },
  { xs: [1, 2, 3, 4], p: 50, want: 2.5 },
  { xs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 95, want: 9.55 },
  { xs: [10, 0], p: 0, want: 0 },
  { xs: [10, 0], p: 100, want: 10 },
  { xs: [10, 0], p: 250, want: 10 },
];
for (const c of pctCases) {
  test(`percentile p${c.p} of [${c.xs}] = ${c.want}`, () => {
    const got = percentile(c.xs, c.p);
    if (Number.isNaN(c.want)) assert.ok(Number.isNaN(got));
    else assert.ok(Math.abs(got - c.want) < 1e-9, `got ${got}`);
  });
}

test('median leaves its input unsorted', () => {
  const xs = [3, 1, 2];
  assert.equal(median(xs), 2);
  assert.deepEqual(xs, [3, 1, 2]);
});

const ratioCases: { a: number | null; b: number | null; want: number | null }[] = [
  { a: 1, b: 2, want: 0.5 },
  { a: null, b: 2, want: null },
  { a: 1, b: 0, want: null },
  { a: NaN, b: 1, want: null },
];
for (const c of ratioCases) test(`ratio(${c.a}, ${c.b}) = ${c.want}`, () => assert.equal(ratio(c.a, c.b), c.want));

const PROM = `# HELP apiserver_request_total Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",resource="nodes",verb="GET",version="v1"} 12
apiserver_request_total{code="201",component="apiserver",resource="leases",verb="PUT",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",resource="pods",verb="WATCH",version="v1"} 5e+00
apiserver_request_totally_else 99
apiserver_request_duration_seconds_bucket{le="0.1"} 1000
`;
const promCases: { where: Record<string, string>; want: number }[] = [
  { where: {}, want: 20 },
  { where: { verb: 'GET' }, want: 12 },
  { where: { code: '200' }, want: 17 },
  { where: { verb: 'DELETE' }, want: 0 },
];
for (const c of promCases) test(`sumMetric apiserver_request_total where ${JSON.stringify(c.where)} = ${c.want}`, () => assert.equal(sumMetric(PROM, 'apiserver_request_total', c.where), c.want));

test('parseLabels unescapes quotes and backslashes', () => {
  assert.deepEqual(parseLabels('a="x\\"y",b="c\\\\d",n="1\\n2"'), { a: 'x"y', b: 'c\\d', n: '1\n2' });
});

test('parseRssKb reads VmRSS', () => assert.equal(parseRssKb('Name:\tkured\nVmPeak:\t 9 kB\nVmRSS:\t   23456 kB\nThreads: 8\n'), 23456));
test('parseRssKb names the missing field', () => assert.throws(() => parseRssKb('Name: x\n'), /VmRSS/));

const statCases: { name: string; stat: string; want: number }[] = [
  { name: 'plain', stat: '42 (kured) S 1 42 42 0 -1 4194560 1000 0 0 0 150 25 0 0 20 0 9 0 100 0 0', want: 175 },
  { name: 'comm with spaces and parens', stat: '7 (my (odd) proc) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0', want: 7 },
];
for (const c of statCases) test(`parseCpuTicks: ${c.name}`, () => assert.equal(parseCpuTicks(c.stat), c.want));
test('parseCpuTicks rejects garbage', () => assert.throws(() => parseCpuTicks('nonsense'), /malformed/));

const ev = (node: string, kind: TimelineEvent['kind'], t: number): TimelineEvent => ({ node, kind, t });
// Two nodes, one slot: a0 rebooted first, then b1.
const ROLL: TimelineEvent[] = [
  ev('a', 'sentinel', 0), ev('b', 'sentinel', 0),
  ev('a', 'request', 400), ev('a', 'lock', 500), ev('b', 'request', 900), ev('a', 'cordon', 600),
  ev('a', 'reboot', 2600), ev('a', 'ready', 7600), ev('a', 'uncordon', 8000), ev('a', 'release', 8100),
  ev('b', 'lock', 8300), ev('b', 'cordon', 8350), ev('b', 'reboot', 9350), ev('b', 'ready', 14350), ev('b', 'uncordon', 14400), ev('b', 'release', 14450),
];

test('handoffs: release to the next other node cordon, the final release gives none', () => assert.deepEqual(handoffs(ROLL), [250]));
test('handoffs: one cordon answers one release only', () => {
  const evs = [ev('a', 'release', 0), ev('b', 'release', 10), ev('c', 'cordon', 100), ev('d', 'cordon', 300)];
  assert.deepEqual(handoffs(evs), [100, 290]);
});
test('detections: sentinel to lock request per node', () => assert.deepEqual(detections(ROLL).sort((x, y) => x - y), [400, 900]));
test('detections: by lock when asked', () => assert.deepEqual(detections(ROLL, 'lock').sort((x, y) => x - y), [500, 8300]));
test('detections: a request before the sentinel does not count', () => assert.deepEqual(detections([ev('a', 'request', 0), ev('a', 'sentinel', 10)]), []));

test('nodeWork and idealMs', () => {
  const w = nodeWork(ROLL);
  assert.deepEqual(w, [
    { node: 'a', drainMs: 2000, rebootMs: 5000, verifyMs: 400 },
    { node: 'b', drainMs: 1000, rebootMs: 5000, verifyMs: 50 },
  ]);
  assert.equal(idealMs(w, 1), 13450);
  assert.equal(idealMs(w, 2), 6725);
});
test('nodeWork leaves out an unfinished cycle', () => assert.deepEqual(nodeWork([ev('a', 'cordon', 0), ev('a', 'reboot', 5)]), []));

const concCases: { name: string; evs: TimelineEvent[]; want: number }[] = [
  { name: 'sequential', evs: ROLL, want: 1 },
  { name: 'overlap', evs: [ev('a', 'cordon', 0), ev('b', 'cordon', 5), ev('a', 'uncordon', 10), ev('b', 'uncordon', 20)], want: 2 },
  { name: 'uncordon and cordon at the same instant do not overlap', evs: [ev('a', 'cordon', 0), ev('a', 'uncordon', 10), ev('b', 'cordon', 10)], want: 1 },
];
for (const c of concCases) test(`maxConcurrentCordoned: ${c.name}`, () => assert.equal(maxConcurrentCordoned(c.evs), c.want));
test('parseRssAnonKb reads RssAnon', () => assert.equal(parseRssAnonKb('VmRSS:\t 216000 kB\nRssAnon:\t  161792 kB\nRssFile:\t 59000 kB\n'), 161792));
test('parseRssAnonKb names the missing field', () => assert.throws(() => parseRssAnonKb('VmRSS: 1 kB\n'), /RssAnon/));
test('lastJson reads pretty-printed JSON, or the last line after log lines', () => {
  assert.deepEqual(lastJson('{\n  "a": 1,\n  "b": [2]\n}\n'), { a: 1, b: [2] });
  assert.deepEqual(lastJson('starting\n{"nodes":2000}\n'), { nodes: 2000 });
  assert.throws(() => lastJson('no json here'));
});

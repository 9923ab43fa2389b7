/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bigCluster, node, state } from '../testing/builders.ts';
import { groupByZone, NO_ZONE, parseQuery } from './grouping.ts';

const nodes = [
  node('n-10', { zone: 'b', pool: 'p1', state: state('healthy') }),
  node('n-2', { zone: 'b', pool: 'p1', state: state('healthy') }),
  node('n-3', { zone: 'a', pool: 'gpu', state: state('draining', { drain: { total: 3, left: 1, startedAt: '', blocked: [{ pod: 'x', pdb: 'web-pdb', reason: '' }] } }) }),
  node('n-4', { zone: 'b', state: state('waiting-window', { reason: 'outside window (next opens 02:00)' }) }),
  node('n-5', { state: state('failed') }),
  node('n-6', { zone: 'a' }),
];

const cases: { query: string; want: Record<string, string[]> }[] = [
  { query: '', want: { a: ['n-3', 'n-6'], b: ['n-4', 'n-2', 'n-10'], [NO_ZONE]: ['n-5'] } },
  { query: 'zone:b', want: { b: ['n-4', 'n-2', 'n-10'] } },
  { query: 'phase:healthy', want: { b: ['n-2', 'n-10'] } },
  { query: 'phase:waiting', want: { b: ['n-4'] } },
  { query: 'phase:unknown', want: { a: ['n-6'] } },
  { query: 'pool:gpu', want: { a: ['n-3'] } },
  { query: 'web-pdb', want: { a: ['n-3'] } },
  { query: 'OUTSIDE window', want: { b: ['n-4'] } },
  { query: 'name:n-1', want: { b: ['n-10'] } },
  { query: 'zone:a draining', want: { a: ['n-3'] } },
  { query: 'zone:a healthy', want: {} },
  { query: 'nomatch', want: {} },
  { query: 'bogus:key', want: {} },
];
for (const c of cases) {
  test(`filter ${JSON.stringify(c.query)}`, () => {
    const got = Object.fromEntries(groupByZone(nodes, parseQuery(c.query)).map((g) => [g.zone, g.nodes.map((n) => n.name)]));
    assert.deepEqual(got, c.want);
  });
}

test('zones sort by name with the catch-all last; counts follow the sort', () => {
  const groups = groupByZone(nodes, parseQuery(''));
  assert.deepEqual(groups.map((g) => g.zone), ['a', 'b', NO_ZONE]);
  assert.deepEqual(groups[1].counts, [
    { phase: 'waiting-window', count: 1 },
    { phase: 'healthy', count: 2 },
  ]);
});

test('parseQuery: keys are case-insensitive, empty values are free text', () => {
  assert.deepEqual(parseQuery('  Zone:A  phase: x '), { terms: [{ key: 'zone', value: 'a' }, { value: 'phase:' }, { value: 'x' }] });
});

test('grouping 2000 nodes keeps every node once and stays fast', () => {
  const big = bigCluster(2000).nodes;
  const t0 = performance.now();
  const groups = groupByZone(big, parseQuery(''));
  const ms = performance.now() - t0;
  assert.equal(groups.reduce((a, g) => a + g.nodes.length, 0), 2000);
  assert.equal(new Set(groups.flatMap((g) => g.nodes)).size, 2000);
  assert.ok(ms < 200, `grouping took ${ms} ms`);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDelta, type NodeView } from '../../protocol/messages.ts';
import { node, snapshot, state } from '../state/builders.ts';
import { diffTree, isEmpty } from './diff.ts';
import { parseFilter, type Filter } from './filter.ts';
import { TreeModelBuilder } from './model.ts';

const fmt = (iso: string) => iso.slice(11, 16);
const ALL = { patchNodes: true, patchClusterBlock: true };
const filter = (t: string): Filter | undefined => {
  const f = parseFilter(t);
  assert.ok(f.ok);
  return f.filter;
};

const cluster = (): NodeView[] => [
  node('n-10', { phase: 'healthy', zone: 'a' }),
  node('n-2', { phase: 'healthy', zone: 'b' }),
  node('n-3', { phase: 'rebooting' }),
  node('n-4', { phase: 'verifying' }),
  node('n-5', { phase: 'waiting-lock', queuePosition: 2 }),
  node('n-6', { phase: 'waiting-window', queuePosition: 1 }),
  node('n-7', { phase: 'blocked', state: state('blocked', { rebootRequired: false }) }),
  node('n-8'),
  node('n-9', { phase: 'draining', state: state('draining', { drain: { total: 10, left: 3, blocked: [{ pod: 'db-0', pdb: 'db', reason: 'disruption budget' }], startedAt: 't' } }) }),
];

const grouping: { name: string; f?: string; groups: [string, string[]][]; badge: number }[] = [
  {
    name: 'groups in lifecycle order, waiting by queue, others by natural name order, empty groups hidden',
    groups: [['rebooting', ['n-3', 'n-4']], ['draining', ['n-9']], ['waiting', ['n-6', 'n-5']], ['blocked', ['n-7']], ['healthy', ['n-2', 'n-10']], ['unknown', ['n-8']]],
    badge: 5,
  },
  { name: 'filter by name part', f: 'n-1', groups: [['healthy', ['n-10']]], badge: 5 },
  { name: 'filter by zone', f: 'zone:b', groups: [['healthy', ['n-2']]], badge: 5 },
  { name: 'filter by phase prefix', f: 'phase:waiting', groups: [['waiting', ['n-6', 'n-5']]], badge: 5 },
  { name: 'filter by group', f: 'group:reboot', groups: [['rebooting', ['n-3', 'n-4']]], badge: 5 },
  { name: 'terms combine with AND', f: 'n- phase:healthy zone:a', groups: [['healthy', ['n-10']]], badge: 5 },
  { name: 'nothing matches', f: 'zzz', groups: [], badge: 5 },
];
for (const c of grouping) {
  test(`tree model: ${c.name}`, () => {
    const m = new TreeModelBuilder(fmt).build(snapshot(cluster()), ALL, false, c.f ? filter(c.f) : undefined);
    assert.deepEqual(m.groups.map((g) => [g.key, g.members]), c.groups);
    assert.equal(m.badge, c.badge, 'badge counts the whole cluster');
    assert.equal(m.total, 9);
  });
}

test('tree model: node rows say what matters at a glance', () => {
  const m = new TreeModelBuilder(fmt).build(snapshot(cluster()), ALL, false, undefined);
  const d = (n: string) => m.nodes.get(n)?.description;
  assert.equal(d('n-9'), 'draining · 3/10 pods left · 1 blocked by PDB');
  assert.equal(d('n-5'), 'waiting for lock · #2');
  assert.equal(m.nodes.get('n-3')?.icon, 'sync~spin');
  assert.equal(m.nodes.get('n-9')?.a11y, 'n-9, draining · 3/10 pods left · 1 blocked by PDB');
  assert.match(m.nodes.get('n-9')?.tooltip ?? '', /`db-0` blocked by PDB `db`/);
  assert.match(m.nodes.get('n-9')?.contextValue ?? '', /can:block/);
  assert.doesNotMatch(m.nodes.get('n-9')?.contextValue ?? '', /can:schedule/);
  assert.deepEqual(m.nodes.get('n-9')?.details.map((x) => x.key), ['phase', 'drain', 'blocked:db-0']);
});

test('tree model: rows of unchanged NodeView objects are reused; permissions change invalidates', () => {
  const b = new TreeModelBuilder(fmt);
  const s = snapshot(cluster());
  const m1 = b.build(s, ALL, false, undefined);
  applyDelta(s, [{ op: 'node', node: node('n-2', { phase: 'scheduled', requests: { rebootAfter: '2026-11-24T22:00:00Z' } }) }]);
  const m2 = b.build(s, ALL, false, undefined);
  assert.equal(m2.nodes.get('n-10'), m1.nodes.get('n-10'));
  assert.notEqual(m2.nodes.get('n-2'), m1.nodes.get('n-2'));
  const m3 = b.build(s, ALL, true, undefined);
  assert.notEqual(m3.nodes.get('n-10'), m2.nodes.get('n-10'));
  assert.equal(m3.nodes.get('n-10')?.contextValue, 'nm:node can:history');
});

type Change = ReturnType<typeof diffTree>;
const diffs: { name: string; ops: Parameters<typeof applyDelta>[1]; want: Change }[] = [
  {
    name: 'a change within the same group refreshes only that row',
    ops: [{ op: 'node', node: node('n-9', { phase: 'draining', state: state('draining', { drain: { total: 10, left: 2, blocked: [], startedAt: 't' } }) }) }],
    want: { root: false, groups: [], nodes: ['n-9'] },
  },
  { name: 'an identical update refreshes nothing', ops: [{ op: 'node', node: node('n-10', { phase: 'healthy', zone: 'a' }) }], want: { root: false, groups: [], nodes: [] } },
  {
    name: 'moving between existing groups refreshes both groups',
    ops: [{ op: 'node', node: node('n-5', { phase: 'draining' }) }],
    want: { root: false, groups: ['draining', 'waiting'], nodes: [] },
  },
  { name: 'a new group appearing refreshes the root', ops: [{ op: 'node', node: node('n-2', { phase: 'failed' }) }], want: { root: true, groups: [], nodes: [] } },
  { name: 'the last member leaving refreshes the root', ops: [{ op: 'node-removed', name: 'n-7' }], want: { root: true, groups: [], nodes: [] } },
  {
    name: 'queue order change refreshes the group',
    ops: [{ op: 'node', node: node('n-5', { phase: 'waiting-lock', queuePosition: 0 }) }],
    want: { root: false, groups: ['waiting'], nodes: [] },
  },
  { name: 'lock and forecast ops do not touch rows', ops: [{ op: 'forecast', forecast: { pending: 3, enoughData: false, basis: 'x' } }], want: { root: false, groups: [], nodes: [] } },
];
for (const c of diffs) {
  test(`tree diff: ${c.name}`, () => {
    const b = new TreeModelBuilder(fmt);
    const s = snapshot(cluster());
    const before = b.build(s, ALL, false, undefined);
    applyDelta(s, c.ops);
    const ch = diffTree(before, b.build(s, ALL, false, undefined));
    assert.deepEqual(ch, c.want);
    assert.equal(isEmpty(ch), !c.want.root && !c.want.groups.length && !c.want.nodes.length);
  });
}

test('tree diff: no previous model refreshes the root', () => {
  assert.deepEqual(diffTree(undefined, new TreeModelBuilder(fmt).build(undefined, ALL, false, undefined)), { root: true, groups: [], nodes: [] });
});

const badFilters: { in: string; error: RegExp }[] = [
  { in: 'color:red', error: /Unknown filter key "color:". Use words of the node name, or zone:, pool:, phase:, group:/ },
  { in: 'zone:', error: /"zone:" needs a value, e.g. zone:a/ },
];
for (const c of badFilters) {
  test(`filter refuses ${c.in}`, () => {
    const r = parseFilter(c.in);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, c.error);
  });
}
test('filter: blank clears', () => assert.deepEqual(parseFilter('   '), { ok: true, filter: undefined }));

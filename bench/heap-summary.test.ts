import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeapGraph, summarizeHeap, type HeapSnapshot } from './heap-summary.ts';

/** A snapshot in V8's layout: node fields type, name, id, self_size, edge_count; edges type, name_or_index, to_node. */
function snapshot(nodes: [type: string, name: string, self: number, to: [edge: string, node: number][]][]): HeapSnapshot {
  const nodeTypes = ['hidden', 'object', 'string', 'code', 'synthetic'];
  const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
  const strings: string[] = [];
  const str = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const flatNodes: number[] = [];
  const flatEdges: number[] = [];
  nodes.forEach(([type, name, self, to], i) => {
    flatNodes.push(nodeTypes.indexOf(type), str(name), i + 1, self, to.length);
    for (const [edge, target] of to) flatEdges.push(edgeTypes.indexOf(edge), str('e'), target * 5);
  });
  return {
    snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [nodeTypes], edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [edgeTypes] } },
    nodes: flatNodes, edges: flatEdges, strings,
  };
}

// 0 root → 1 ListWatch → 2 V1Node (→ 3 its name string); root → 4 Other → 2 as well; root ⇢ 5 (weak only).
const shared = snapshot([
  ['synthetic', '', 0, [['element', 1], ['element', 4], ['weak', 5]]],
  ['object', 'ListWatch', 10, [['property', 2]]],
  ['object', 'V1Node', 20, [['property', 3]]],
  ['string', 'node-1', 7, []],
  ['object', 'Other', 5, [['property', 2]]],
  ['object', 'Garbage', 1000, []],
]);

test('retained size: what only the group keeps alive; a weakly held object is not reachable', () => {
  const g = new HeapGraph(shared);
  const all = g.reachable();
  assert.deepEqual([...all], [1, 1, 1, 1, 1, 0]);
  // The V1Node is also held by Other: removing the ListWatch frees only the ListWatch itself.
  assert.equal(g.retained(new Set([1]), all), 10);
  // Removing both holders frees the node and its string too.
  assert.equal(g.retained(new Set([1, 4]), all), 10 + 5 + 20 + 7);
  assert.equal(g.retained(new Set(), all), 0);
});

test('summary: reachable bytes by type and constructor, groups by predicate', () => {
  const only = snapshot([
    ['synthetic', '', 0, [['element', 1]]],
    ['object', 'ListWatch', 10, [['property', 2]]],
    ['object', 'V1Node', 20, [['property', 3]]],
    ['string', 'node-1', 7, []],
  ]);
  const s = summarizeHeap(only, { caches: (n) => n.name === 'ListWatch', models: (n) => n.name.startsWith('V1'), none: () => false });
  assert.equal(s.reachableBytes, 37);
  assert.deepEqual(s.byType, { object: 30, string: 7, synthetic: 0 });
  assert.deepEqual(s.byConstructor.map((c) => c.name), ['V1Node', 'ListWatch']);
  assert.deepEqual(s.groups.caches, { retainedBytes: 37, members: 1 });
  assert.deepEqual(s.groups.models, { retainedBytes: 27, members: 1 });
  assert.deepEqual(s.groups.none, { retainedBytes: 0, members: 0 });
  assert.deepEqual(s.largestStrings, [{ bytes: 7, starts: 'node-1' }]);
  // Unreachable objects count nowhere.
  assert.equal(summarizeHeap(shared, {}).reachableBytes, 42);
});

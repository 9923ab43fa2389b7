// Bench: the cost of one hub update on a 2000-node tree (rebuild the model, diff, decide what to
// repaint), the work the extension host does per debounced update. Run: node extension/tree/bench.ts
// Prints JSON: medians over many rounds. (VS Code's own repaint of the changed rows comes on top;
// the e2e test measures annotation-to-row latency in a real VS Code.)

import { applyDelta, type DeltaOp } from '../../protocol/messages.ts';
import { node, snapshot, state } from '../state/builders.ts';
import { diffTree } from './diff.ts';
import { TreeModelBuilder } from './model.ts';

const N = Number(process.env.NODES ?? 2000);
const ROUNDS = 200;
const perms = { patchNodes: true, patchClusterBlock: true };
const fmt = (iso: string) => iso.slice(11, 16);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const nodes = Array.from({ length: N }, (_, i) =>
  node(`node-${i}`, { phase: i % 50 === 0 ? 'waiting-lock' : 'healthy', zone: `z${i % 3}`, pool: 'p', history: [{ start: '2026-11-20T01:00:00Z', end: '2026-11-20T01:04:00Z', outcome: 'succeeded' }] }),
);
const s = snapshot(nodes);
const b = new TreeModelBuilder(fmt);

let t = performance.now();
let model = b.build(s, perms, false, undefined);
const firstBuildMs = performance.now() - t;

const one: number[] = [];
const move: number[] = [];
const batch: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // One node's drain progresses (same group): the common case during a rollout.
  const i = (r * 7) % N;
  applyDelta(s, [{ op: 'node', node: node(`node-${i}`, { phase: 'draining', zone: 'z0', state: state('draining', { drain: { total: 20, left: r % 20, blocked: [], startedAt: 't' } }) }) }]);
  t = performance.now();
  let next = b.build(s, perms, false, undefined);
  diffTree(model, next);
  one.push(performance.now() - t);
  model = next;
  // A node changes group (draining -> rebooting).
  applyDelta(s, [{ op: 'node', node: node(`node-${i}`, { phase: 'rebooting', zone: 'z0' }) }]);
  t = performance.now();
  next = b.build(s, perms, false, undefined);
  diffTree(model, next);
  move.push(performance.now() - t);
  model = next;
  // A burst of 50 changed nodes coalesced into one debounced update.
  const ops: DeltaOp[] = Array.from({ length: 50 }, (_, k) => ({ op: 'node', node: node(`node-${(i + k * 13) % N}`, { phase: k % 2 ? 'healthy' : 'scheduled', zone: 'z1' }) }));
  applyDelta(s, ops);
  t = performance.now();
  next = b.build(s, perms, false, undefined);
  diffTree(model, next);
  batch.push(performance.now() - t);
  model = next;
}
const round = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    nodes: N,
    firstBuildMs: round(firstBuildMs),
    updateOneNodeMedianMs: round(median(one)),
    updateGroupChangeMedianMs: round(median(move)),
    update50NodesMedianMs: round(median(batch)),
  }),
);

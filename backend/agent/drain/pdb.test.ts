import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { pdbBlocks, pdbInfo, selects, type PdbInfo } from './pdb.ts';
import type { PodInfo } from './filters.ts';

const selCases: { name: string; sel?: k8s.V1LabelSelector; labels: Record<string, string>; want: boolean }[] = [
  { name: 'missing selector selects nothing', labels: { a: '1' }, want: false },
  { name: 'empty selector selects all', sel: {}, labels: { a: '1' }, want: true },
  { name: 'matchLabels equal', sel: { matchLabels: { a: '1' } }, labels: { a: '1', b: '2' }, want: true },
  { name: 'matchLabels differ', sel: { matchLabels: { a: '1' } }, labels: { a: '2' }, want: false },
  { name: 'In', sel: { matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, labels: { a: '2' }, want: true },
  { name: 'In without key', sel: { matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, labels: {}, want: false },
  { name: 'NotIn without key matches', sel: { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels: {}, want: true },
  { name: 'NotIn with listed value', sel: { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels: { a: '1' }, want: false },
  { name: 'Exists', sel: { matchExpressions: [{ key: 'a', operator: 'Exists' }] }, labels: { a: '' }, want: true },
  { name: 'DoesNotExist', sel: { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, labels: { a: '' }, want: false },
  { name: 'unknown operator selects nothing', sel: { matchExpressions: [{ key: 'a', operator: 'Gt' }] }, labels: { a: '1' }, want: false },
];
for (const c of selCases) test(`selects: ${c.name}`, () => assert.equal(selects(c.sel, c.labels), c.want));

const pod = (name: string, o: Partial<PodInfo> = {}): PodInfo => ({ namespace: 'ns', name, uid: name, phase: 'Running', mirror: false, emptyDir: false, ready: true, labels: { app: 'web' }, controllerKind: 'ReplicaSet', ...o });
const budget = (o: Partial<PdbInfo> = {}): PdbInfo => ({ namespace: 'ns', name: 'web', selector: { matchLabels: { app: 'web' } }, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, observed: true, alwaysAllowUnhealthy: false, ...o });

const blockCases: { name: string; pods: PodInfo[]; pdbs: PdbInfo[]; want: string[]; has?: RegExp }[] = [
  { name: 'budget with room: nothing blocked', pods: [pod('a')], pdbs: [budget()], want: [] },
  { name: 'no disruption allowed blocks a Ready pod', pods: [pod('a')], pdbs: [budget({ disruptionsAllowed: 0, currentHealthy: 2 })], want: ['ns/a'], has: /ns\/web allows no disruption \(2 healthy, needs 2\)/ },
  { name: 'other namespace is not matched', pods: [pod('a', { namespace: 'x' })], pdbs: [budget({ disruptionsAllowed: 0 })], want: [] },
  { name: 'other labels are not matched', pods: [pod('a', { labels: { app: 'api' } })], pdbs: [budget({ disruptionsAllowed: 0 })], want: [] },
  { name: 'unready pod under a healthy budget may go', pods: [pod('a', { ready: false })], pdbs: [budget({ disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 })], want: [] },
  { name: 'unready pod under an unhealthy budget is blocked', pods: [pod('a', { ready: false })], pdbs: [budget({ disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 })], want: ['ns/a'], has: /unhealthy/ },
  { name: 'unready pod with AlwaysAllow may go', pods: [pod('a', { ready: false })], pdbs: [budget({ disruptionsAllowed: 0, currentHealthy: 1, alwaysAllowUnhealthy: true })], want: [] },
  { name: 'budget not yet observed blocks (fail closed)', pods: [pod('a')], pdbs: [budget({ observed: false })], want: ['ns/a'], has: /not yet evaluated/ },
  { name: 'one entry per pod even with two blocking budgets', pods: [pod('a'), pod('b')], pdbs: [budget({ disruptionsAllowed: 0 }), budget({ name: 'x', disruptionsAllowed: 0 })], want: ['ns/a', 'ns/b'] },
];
for (const c of blockCases) {
  test(`pdbBlocks: ${c.name}`, () => {
    const b = pdbBlocks(c.pods, c.pdbs);
    assert.deepEqual(b.map((x) => x.pod), c.want);
    if (c.has) assert.match(b[0].reason, c.has);
  });
}

test('pdbInfo: a budget whose status lags its generation is not observed', () => {
  const p = (gen: number, seen?: number) => pdbInfo({ metadata: { namespace: 'n', name: 'b', generation: gen }, spec: {}, status: seen === undefined ? undefined : { observedGeneration: seen, disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } });
  assert.equal(p(2, 2).observed, true);
  assert.equal(p(3, 2).observed, false);
  assert.equal(p(1).observed, false);
});

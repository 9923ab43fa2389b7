import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPod, describePlan, planDrain, podInfo, refusalReason, type DrainPlan, type FilterOptions, type PodInfo } from './filters.ts';

const NOW = 1_000_000_000;
const base: PodInfo = { namespace: 'ns', name: 'p', uid: 'u', phase: 'Running', mirror: false, emptyDir: false, ready: true, labels: {}, controllerKind: 'ReplicaSet', controllerName: 'rs' };
const strict: FilterOptions = { deleteEmptyDirData: false, force: false, skipWaitForDeleteTimeoutSeconds: 0 };
const lenient: FilterOptions = { deleteEmptyDirData: true, force: true, skipWaitForDeleteTimeoutSeconds: 0 };

const cases: { name: string; pod: Partial<PodInfo>; opts?: Partial<FilterOptions>; dsExists?: boolean; want: string }[] = [
  { name: 'managed pod is evicted', pod: {}, want: 'evict' },
  { name: 'deleting pod is only waited for', pod: { deletionMs: NOW - 5000 }, want: 'wait' },
  { name: 'deleting pod past skip-wait timeout is skipped', pod: { deletionMs: NOW - 11_000 }, opts: { skipWaitForDeleteTimeoutSeconds: 10 }, want: 'skip' },
  { name: 'deleting pod within skip-wait timeout is waited for', pod: { deletionMs: NOW - 9_000 }, opts: { skipWaitForDeleteTimeoutSeconds: 10 }, want: 'wait' },
  { name: 'deleting check comes first (before the emptyDir refusal)', pod: { deletionMs: NOW, emptyDir: true, controllerKind: undefined }, want: 'wait' },
  { name: 'DaemonSet pod is skipped', pod: { controllerKind: 'DaemonSet', controllerName: 'ds' }, want: 'skip' },
  { name: 'DaemonSet pod with emptyDir is still skipped (DaemonSet filter first)', pod: { controllerKind: 'DaemonSet', emptyDir: true }, want: 'skip' },
  { name: 'orphaned DaemonSet pod is refused without force', pod: { controllerKind: 'DaemonSet' }, dsExists: false, want: 'refuse' },
  { name: 'orphaned DaemonSet pod is evicted with force', pod: { controllerKind: 'DaemonSet' }, dsExists: false, opts: { force: true }, want: 'evict' },
  { name: 'finished DaemonSet pod is evicted', pod: { controllerKind: 'DaemonSet', phase: 'Succeeded' }, want: 'evict' },
  { name: 'mirror pod is skipped', pod: { mirror: true, controllerKind: 'Node' }, want: 'skip' },
  { name: 'unmanaged mirror pod is skipped, not refused', pod: { mirror: true, controllerKind: undefined }, want: 'skip' },
  { name: 'emptyDir refused without deleteEmptyDirData', pod: { emptyDir: true }, want: 'refuse' },
  { name: 'emptyDir evicted with deleteEmptyDirData', pod: { emptyDir: true }, opts: { deleteEmptyDirData: true }, want: 'evict' },
  { name: 'finished emptyDir pod is evicted', pod: { emptyDir: true, phase: 'Failed' }, want: 'evict' },
  { name: 'unmanaged refused without force', pod: { controllerKind: undefined }, want: 'refuse' },
  { name: 'unmanaged evicted with force', pod: { controllerKind: undefined }, opts: { force: true }, want: 'evict' },
  { name: 'finished unmanaged pod is evicted', pod: { controllerKind: undefined, phase: 'Succeeded' }, want: 'evict' },
  { name: 'unmanaged emptyDir needs both: emptyDir refusal first', pod: { controllerKind: undefined, emptyDir: true }, opts: { force: true }, want: 'refuse' },
];
for (const c of cases) {
  test(`classify: ${c.name}`, () => {
    const a = classifyPod({ ...base, ...c.pod }, { ...strict, ...c.opts }, NOW, c.dsExists ?? true);
    assert.equal(a.action, c.want);
  });
}

test('plan sorts pods into evict, wait, skipped and refused, naming the fix', () => {
  const pods: PodInfo[] = [
    { ...base, name: 'a' },
    { ...base, name: 'b', controllerKind: 'DaemonSet', controllerName: 'gone' },
    { ...base, name: 'c', controllerKind: 'DaemonSet', controllerName: 'there' },
    { ...base, name: 'd', emptyDir: true },
    { ...base, name: 'e', controllerKind: undefined },
    { ...base, name: 'f', deletionMs: NOW },
  ];
  const plan = planDrain(pods, strict, NOW, (_ns, n) => n !== 'gone');
  assert.deepEqual(plan.evict.map((p) => p.name), ['a']);
  assert.deepEqual(plan.wait.map((p) => p.name), ['f']);
  assert.deepEqual(plan.skipped.map((p) => p.pod), ['ns/c']);
  assert.deepEqual(plan.refused.map((p) => p.pod), ['ns/b', 'ns/d', 'ns/e']);
  const why = refusalReason(plan.refused);
  assert.match(why, /ns\/d uses emptyDir local storage \(needs deleteEmptyDirData\)/);
  assert.match(why, /ns\/e not managed by a controller \(needs force\)/);
  const all = planDrain(pods, lenient, NOW, () => true);
  assert.equal(all.refused.length, 0);
});

test('podInfo reads owner, mirror, emptyDir, deletion and readiness', () => {
  const p = podInfo({
    metadata: {
      namespace: 'x', name: 'y', uid: 'u1', labels: { app: 'a' }, deletionTimestamp: new Date(NOW),
      annotations: { 'kubernetes.io/config.mirror': 'h' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'x', controller: true }],
    },
    spec: { containers: [], volumes: [{ name: 'v', emptyDir: {} }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  assert.deepEqual(p, { namespace: 'x', name: 'y', uid: 'u1', phase: 'Running', mirror: true, emptyDir: true, ready: true, labels: { app: 'a' }, deletionMs: NOW, controllerKind: 'Node', controllerName: 'n' });
  assert.equal(podInfo({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'n', uid: 'x' }] } }).controllerKind, undefined, 'only the controller owner counts');
});

const pod = (name: string): PodInfo => ({ ...base, namespace: 'shop', name });
const empty: DrainPlan = { evict: [], wait: [], skipped: [], refused: [] };
const describeCases: { name: string; plan: Partial<DrainPlan>; blocks?: { pod: string; pdb: string }[]; max?: number; want: string }[] = [
  { name: 'an empty node', plan: {}, want: 'would evict no pod' },
  { name: 'pods to evict, by namespace/name', plan: { evict: [pod('a'), pod('b')] }, want: 'would evict 2 pod(s): shop/a, shop/b' },
  { name: 'long lists are cut, with a count', plan: { evict: [pod('a'), pod('b'), pod('c')] }, max: 2, want: 'would evict 3 pod(s): shop/a, shop/b, and 1 more' },
  {
    name: 'waited for, skipped and refused, each with why',
    plan: { wait: [pod('t')], skipped: [{ pod: 'kube-system/ds-x', why: 'DaemonSet-managed pod' }], refused: [{ pod: 'shop/bare', why: 'not managed by a controller (needs force)' }] },
    want: 'would evict no pod; would wait for 1 pod(s) already terminating: shop/t; would leave 1: kube-system/ds-x (DaemonSet-managed pod); the drain would FAIL on 1: shop/bare (not managed by a controller (needs force))',
  },
  { name: 'budgets holding an eviction back now', plan: { evict: [pod('api-1')] }, blocks: [{ pod: 'shop/api-1', pdb: 'shop/api' }], want: 'would evict 1 pod(s): shop/api-1; held back now by PodDisruptionBudget: shop/api-1 by shop/api' },
];
for (const c of describeCases) {
  test(`describePlan: ${c.name}`, () => assert.equal(describePlan({ ...empty, ...c.plan }, c.blocks ?? [], c.max), c.want));
}

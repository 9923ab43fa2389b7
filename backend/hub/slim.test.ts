import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { slimDaemonSet, slimEvent, slimLease, slimNode } from './slim.ts';
import { pagedList, slimmingWatch } from './informers.ts';
import { clusterEvent, nodeView } from './model.ts';

// A Node as a kubelet reports it: the fields the hub reads, and what it does not.
const managedFields = Array.from({ length: 4 }, (_, i) => ({ manager: `m${i}`, operation: 'Update', apiVersion: 'v1', time: new Date(), fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:images': {}, 'f:conditions': { [`k:{"type":"c${i}"}`]: { '.': {} } } } } }));
const fullNode = (): k8s.V1Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'n1', uid: 'u1', resourceVersion: '42', creationTimestamp: new Date('2026-01-01T00:00:00Z'),
    labels: { 'topology.kubernetes.io/zone': 'z1', 'nodemend.dev/pool': 'p1' },
    annotations: { 'nodemend.dev/state': JSON.stringify({ v: 1, phase: 'draining', reason: 'r', since: '2026-11-24T10:00:00Z', rebootRequired: true, agent: 'a' }), 'nodemend.dev/cordoned-by': 'nodemend' },
    managedFields,
    ownerReferences: [],
  },
  spec: { unschedulable: true, podCIDR: '10.0.0.0/24', providerID: 'aws:///eu-west-1a/i-0', taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date() },
    ],
    nodeInfo: { bootID: 'b1', machineID: 'm', systemUUID: 's', kernelVersion: 'k', osImage: 'o', containerRuntimeVersion: 'c', kubeletVersion: 'v', kubeProxyVersion: 'v', operatingSystem: 'linux', architecture: 'amd64' },
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    images: Array.from({ length: 40 }, (_, k) => ({ names: [`registry.example.com/service-${k}@sha256:${'ab'.repeat(32)}`], sizeBytes: 1e8 })),
    capacity: { cpu: '64', memory: '256Gi' },
    allocatable: { cpu: '63', memory: '250Gi' },
  },
});

test('slimNode keeps what the hub reads and what the informer needs, and drops the rest', () => {
  const n = fullNode();
  const s = slimNode(n);
  assert.deepEqual(nodeView(s), nodeView(n));
  assert.deepEqual(s.metadata, { name: 'n1', uid: 'u1', resourceVersion: '42', creationTimestamp: n.metadata!.creationTimestamp, labels: n.metadata!.labels, annotations: n.metadata!.annotations });
  assert.deepEqual(s.spec, { unschedulable: true });
  assert.deepEqual(s.status, { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { bootID: 'b1' } });
  const before = JSON.stringify(n).length;
  const after = JSON.stringify(s).length;
  assert.ok(after * 5 < before, `a kubelet-sized Node shrinks at least 5x: ${before} -> ${after} bytes`);
  assert.equal(n.status!.images!.length, 40, 'the original object is not changed');
});

const slimNodeCases: { name: string; in: k8s.V1Node; want: k8s.V1Node }[] = [
  { name: 'empty object', in: {}, want: { metadata: {} } },
  { name: 'no status, no spec', in: { metadata: { name: 'a' } }, want: { metadata: { name: 'a' } } },
  { name: 'not ready (no Ready condition)', in: { metadata: { name: 'a' }, status: { conditions: [{ type: 'DiskPressure', status: 'True' }] } }, want: { metadata: { name: 'a' } } },
  { name: 'uncordoned is kept as false', in: { metadata: { name: 'a' }, spec: { unschedulable: false, podCIDR: 'x' } }, want: { metadata: { name: 'a' }, spec: { unschedulable: false } } },
  { name: 'deleting node keeps its deletionTimestamp', in: { metadata: { name: 'a', deletionTimestamp: new Date(0), finalizers: ['f'] } }, want: { metadata: { name: 'a', deletionTimestamp: new Date(0) } } },
];
for (const c of slimNodeCases) test(`slimNode: ${c.name}`, () => assert.deepEqual(slimNode(c.in), c.want));

test('slimLease keeps the spec and drops managedFields', () => {
  const l: k8s.V1Lease = { metadata: { name: 'nodemend-lock-0', namespace: 'nodemend', resourceVersion: '7', annotations: { 'nodemend.dev/stage': 'draining' }, managedFields }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 60 } };
  assert.deepEqual(slimLease(l), { metadata: { name: 'nodemend-lock-0', namespace: 'nodemend', resourceVersion: '7', annotations: { 'nodemend.dev/stage': 'draining' } }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 60 } });
});

test('slimDaemonSet keeps its annotations only', () => {
  const d: k8s.V1DaemonSet = { metadata: { name: 'nodemend-agent', namespace: 'nodemend', annotations: { 'nodemend.dev/block': 'freeze' }, managedFields }, spec: { selector: {}, template: { spec: { containers: [{ name: 'agent', image: 'x' }] } } } };
  assert.deepEqual(slimDaemonSet(d), { metadata: { name: 'nodemend-agent', namespace: 'nodemend', annotations: { 'nodemend.dev/block': 'freeze' } } });
});

test('slimEvent keeps the view and drops the source and managedFields', () => {
  const e: k8s.CoreV1Event = { metadata: { name: 'e', namespace: 'default', uid: 'u', managedFields }, involvedObject: { kind: 'Node', name: 'n1', uid: 'x', apiVersion: 'v1' }, reason: 'Rebooting', message: 'm', type: 'Normal', count: 2, source: { component: 'nodemend' }, reportingComponent: 'nodemend', lastTimestamp: new Date() };
  const s = slimEvent(e);
  assert.deepEqual(clusterEvent(s), clusterEvent(e));
  assert.equal(s.metadata.managedFields, undefined);
  assert.equal(s.source, undefined);
});

test('slimmingWatch slims added, modified and deleted objects and passes errors and bookmarks through', async () => {
  const seen: [string, unknown][] = [];
  const base = { watch: async (_p: string, _q: object, cb: (phase: string, obj: unknown, raw?: unknown) => void) => {
    const status = { kind: 'Status', code: 410, metadata: {} };
    const bookmark = { kind: 'Node', metadata: { resourceVersion: '99' } };
    for (const [phase, obj] of [['ADDED', fullNode()], ['MODIFIED', fullNode()], ['DELETED', fullNode()], ['BOOKMARK', bookmark], ['ERROR', status]] as const) cb(phase, obj);
    return new AbortController();
  } } as unknown as k8s.Watch;
  await slimmingWatch<k8s.V1Node>(base, slimNode).watch('/api/v1/nodes', {}, (phase, obj) => seen.push([phase, obj]), () => undefined);
  assert.deepEqual(seen.map(([p]) => p), ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);
  for (const [, obj] of seen.slice(0, 3)) assert.deepEqual(obj, slimNode(fullNode()));
  assert.deepEqual(seen[3][1], { kind: 'Node', metadata: { resourceVersion: '99' } });
  assert.deepEqual(seen[4][1], { kind: 'Status', code: 410, metadata: {} });
});

// pagedList over a list served in pages, as the API server serves it (continue tokens).
const pagedCases: { name: string; total: number; limit: number; requests: number }[] = [
  { name: 'empty list: one request', total: 0, limit: 500, requests: 1 },
  { name: 'fits one page', total: 3, limit: 500, requests: 1 },
  { name: 'exactly one page (the server sends no token)', total: 4, limit: 4, requests: 1 },
  { name: 'three pages, the last one short', total: 9, limit: 4, requests: 3 },
];
for (const c of pagedCases) {
  test(`pagedList: ${c.name}`, async () => {
    const all = Array.from({ length: c.total }, (_, i) => fullNode2(`n${i}`));
    const asked: { limit: number; _continue?: string }[] = [];
    const page = async (o: { limit: number; _continue?: string }): Promise<k8s.V1NodeList> => {
      asked.push(o);
      const from = o._continue ? Number(o._continue) : 0;
      const to = from + o.limit;
      return { metadata: { resourceVersion: o._continue ? 'ignored' : '100', ...(to < c.total ? { _continue: String(to) } : {}) }, items: all.slice(from, to) };
    };
    const l = await pagedList(page, slimNode, c.limit);
    assert.equal(asked.length, c.requests);
    assert.ok(asked.every((a) => a.limit === c.limit));
    assert.deepEqual(l.items.map((n) => n.metadata?.name), all.map((n) => n.metadata?.name), 'every item, in order');
    assert.ok(l.items.every((n) => n.status?.images === undefined), 'slimmed');
    assert.equal(l.metadata?.resourceVersion, '100', "the first page's resourceVersion");
    assert.equal(l.metadata?._continue, undefined);
  });
}

test('pagedList: a failed page (an expired continue token) fails the list', async () => {
  const page = async (o: { limit: number; _continue?: string }): Promise<k8s.V1NodeList> => {
    if (o._continue) throw new Error('410 Gone: continue token expired');
    return { metadata: { resourceVersion: '1', _continue: 'x' }, items: [fullNode()] };
  };
  await assert.rejects(pagedList(page, slimNode, 1), /410/);
});

function fullNode2(name: string): k8s.V1Node {
  const n = fullNode();
  n.metadata!.name = name;
  return n;
}

test('slimEvent cuts a long reason and message before the cache keeps them', () => {
  const e: k8s.CoreV1Event = { metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'n1' }, reason: 'R'.repeat(10_000), message: 'x'.repeat(1 << 20) };
  const s = slimEvent(e);
  assert.equal(s.reason!.length, 128);
  assert.equal(s.message!.length, 1024);
  assert.deepEqual(clusterEvent(s), clusterEvent(e));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreV1Event, V1Lease, V1Node } from '@kubernetes/client-node';
import { clusterBlock, clusterEvent, lockView, nodeView } from './model.ts';
import { slimDaemonSet, slimEvent, slimLease, slimNode } from './slim.ts';
import type { NodeView } from '../../protocol/messages.ts';
import { slug } from '../../protocol/leases.ts';

const state = (phase: string, since = '2026-11-24T10:00:00Z') => JSON.stringify({ v: 1, phase, reason: 'r', since, rebootRequired: true, agent: 'a' });
const node = (name: string, ann: Record<string, string> = {}, extra: Partial<V1Node> = {}): V1Node => ({
  metadata: { name, annotations: ann, labels: { 'topology.kubernetes.io/zone': 'z1', 'nodemend.dev/pool': 'p1' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { bootID: 'b1' } as never },
  ...extra,
});

const nodeCases: { name: string; in: V1Node; check: (v: NodeView) => void }[] = [
  { name: 'plain node is ready, not cordoned, no state', in: node('n1'), check: (v) => {
    assert.deepEqual([v.name, v.ready, v.unschedulable, v.cordonedByUs, v.zone, v.pool, v.bootId, v.state], ['n1', true, false, false, 'z1', 'p1', 'b1', undefined]);
  } },
  { name: 'agent state is parsed', in: node('n1', { 'nodemend.dev/state': state('draining') }), check: (v) => assert.equal(v.state?.phase, 'draining') },
  { name: 'unreadable state is reported, not trusted', in: node('n1', { 'nodemend.dev/state': '{nope' }), check: (v) => {
    assert.equal(v.state, undefined);
    assert.match(v.requestErrors.join(), /unreadable agent state/);
  } },
  { name: 'cordoned by us', in: node('n1', { 'nodemend.dev/cordoned-by': 'nodemend' }, { spec: { unschedulable: true } }), check: (v) => assert.deepEqual([v.cordonedByUs, v.unschedulable], [true, true]) },
  { name: 'requests are normalised to RFC3339 UTC', in: node('n1', { 'nodemend.dev/reboot-after': '2026-11-24T22:00:00+01:00', 'nodemend.dev/block': 'db migration', 'nodemend.dev/block-until': '2026-11-25T00:00:00Z' }), check: (v) => {
    assert.deepEqual(v.requests, { rebootAfter: '2026-11-24T21:00:00.000Z', block: { reason: 'db migration', until: '2026-11-25T00:00:00.000Z' } });
  } },
  { name: 'bad request annotations become errors naming the key', in: node('n1', { 'nodemend.dev/force-reboot': 'now' }), check: (v) => assert.match(v.requestErrors[0], /nodemend.dev\/force-reboot/) },
  { name: 'not ready', in: node('n1', {}, { status: { conditions: [{ type: 'Ready', status: 'False' }] } as never }), check: (v) => assert.equal(v.ready, false) },
  { name: 'history parsed', in: node('n1', { 'nodemend.dev/history': JSON.stringify([{ start: 'a', end: 'b', outcome: 'succeeded' }]) }), check: (v) => assert.equal(v.history.length, 1) },
];
// Every case also runs on the informers' slimmed object (slim.ts): the view must not change.
for (const c of nodeCases) {
  test(`nodeView: ${c.name}`, () => {
    c.check(nodeView(c.in));
    c.check(nodeView(slimNode(c.in)));
    assert.deepEqual(nodeView(slimNode(c.in)), nodeView(c.in));
  });
}

const lease = (name: string, holder?: string, acquire?: string, ann: Record<string, string> = {}): V1Lease => ({
  metadata: { name, annotations: ann, creationTimestamp: new Date('2026-11-24T09:00:00Z') },
  spec: holder ? { holderIdentity: holder, acquireTime: acquire as never, renewTime: acquire as never, leaseDurationSeconds: 60 } : {},
});
const nv = (name: string, phase?: string, since?: string): NodeView => ({
  name, ready: true, unschedulable: false, cordonedByUs: false, requests: {}, requestErrors: [], history: [],
  ...(phase ? { state: JSON.parse(state(phase, since)) } : {}),
});

const limited = (name: string, concurrency: number): NodeView => {
  const v = nv(name, 'healthy');
  v.state!.limits = { concurrency };
  return v;
};

const zoned = (name: string, zone: string | undefined): NodeView => {
  const v = limited(name, 2);
  v.state!.limits!.scope = { label: 'topology.kubernetes.io/zone', limit: 1 };
  if (zone !== undefined) v.zone = zone;
  return v;
};

const lockCases: { name: string; leases: V1Lease[]; nodes: NodeView[]; slots: unknown[]; waiting: string[] }[] = [
  { name: 'no leases', leases: [], nodes: [], slots: [], waiting: [] },
  { name: 'held and free slots sorted by name, other leases ignored', leases: [lease('nodemend-lock-1'), lease('nodemend-lock-0', 'n1', '2026-11-24T10:00:00.000000Z', { 'nodemend.dev/stage': 'cordoned' }), lease('other')], nodes: [],
    slots: [{ name: 'nodemend-lock-0', scope: 'cluster', holder: 'n1', since: '2026-11-24T10:00:00.000Z', stage: 'cordoned', expiresAt: '2026-11-24T10:01:00.000Z' }, { name: 'nodemend-lock-1', scope: 'cluster' }], waiting: [] },
  { name: 'scope derived from the slot name', leases: [lease('nodemend-lock-zone-a-1'), lease('nodemend-lock-3')], nodes: [], slots: [{ name: 'nodemend-lock-3', scope: 'cluster' }, { name: 'nodemend-lock-zone-a-1', scope: 'zone-a' }], waiting: [] },
  { name: 'scoped slot', leases: [lease('nodemend-lock-zone-a-0', undefined, undefined, { 'nodemend.dev/scope': 'topology.kubernetes.io/zone=a' })], nodes: [], slots: [{ name: 'nodemend-lock-zone-a-0', scope: 'topology.kubernetes.io/zone=a' }], waiting: [] },
  { name: 'waiting markers in order of acquireTime', leases: [lease('nodemend-wait-n3', 'n3', '2026-11-24T10:00:02Z'), lease('nodemend-wait-n2', 'n2', '2026-11-24T10:00:01Z')], nodes: [], slots: [], waiting: ['n2', 'n3'] },
  { name: 'waiting-lock state without marker queues after the marked, by since', leases: [lease('nodemend-wait-n9', 'n9', '2026-11-24T11:00:00Z')], nodes: [nv('n5', 'waiting-lock', '2026-11-24T10:00:05Z'), nv('n4', 'waiting-lock', '2026-11-24T10:00:04Z'), nv('n6', 'draining')], slots: [], waiting: ['n9', 'n4', 'n5'] },
  { name: 'slots the published limit allows but no Lease stands for yet are free', leases: [lease('nodemend-lock-0', 'n1', '2026-11-24T10:00:00Z')], nodes: [limited('n1', 3), limited('n2', 3)],
    slots: [{ name: 'nodemend-lock-0', scope: 'cluster', holder: 'n1', since: '2026-11-24T10:00:00.000Z', expiresAt: '2026-11-24T10:01:00.000Z' }, { name: 'nodemend-lock-1', scope: 'cluster' }, { name: 'nodemend-lock-2', scope: 'cluster' }], waiting: [] },
  // Issue 17: the zone slots the agents allow, per zone, whether or not a Lease exists yet; a zone
  // seen only in a Lease (a node of it has no agent state yet) gets its free slots too.
  { name: 'scope slots the published per-scope limit allows are free, per value', leases: [lease('nodemend-lock-b-0', 'n2', '2026-11-24T10:00:00Z', { 'nodemend.dev/scope': 'topology.kubernetes.io/zone=b' }), lease('nodemend-lock-c-0', undefined, undefined, { 'nodemend.dev/scope': 'topology.kubernetes.io/zone=c' })],
    nodes: [zoned('n1', 'a'), zoned('n2', 'b'), zoned('n3', undefined)],
    slots: [
      { name: 'nodemend-lock-0', scope: 'cluster' }, { name: 'nodemend-lock-1', scope: 'cluster' },
      { name: 'nodemend-lock-a-0', scope: 'topology.kubernetes.io/zone=a' },
      { name: 'nodemend-lock-b-0', scope: 'topology.kubernetes.io/zone=b', holder: 'n2', since: '2026-11-24T10:00:00.000Z', expiresAt: '2026-11-24T10:01:00.000Z' },
      { name: 'nodemend-lock-c-0', scope: 'topology.kubernetes.io/zone=c' },
      { name: `nodemend-lock-${slug('')}-0`, scope: 'topology.kubernetes.io/zone=' },
    ], waiting: [] },
  { name: 'a holder is never listed as waiting', leases: [lease('nodemend-lock-0', 'n1', '2026-11-24T10:00:00Z'), lease('nodemend-wait-n1', 'n1', '2026-11-24T09:00:00Z')], nodes: [], slots: [{ name: 'nodemend-lock-0', scope: 'cluster', holder: 'n1', since: '2026-11-24T10:00:00.000Z', expiresAt: '2026-11-24T10:01:00.000Z' }], waiting: [] },
];
for (const c of lockCases) {
  test(`lockView: ${c.name}`, () => {
    for (const leases of [c.leases, c.leases.map(slimLease)]) {
      const v = lockView(leases, c.nodes);
      assert.deepEqual(v.slots, c.slots);
      assert.deepEqual(v.waiting, c.waiting);
    }
  });
}

const blockCases: { name: string; ann?: Record<string, string>; want: unknown }[] = [
  { name: 'no daemonset', want: null },
  { name: 'no block', ann: {}, want: null },
  { name: 'block with until', ann: { 'nodemend.dev/block': 'freeze', 'nodemend.dev/block-until': '2026-12-01T00:00:00Z' }, want: { reason: 'freeze', until: '2026-12-01T00:00:00.000Z' } },
  { name: 'empty reason still blocks (fail closed)', ann: { 'nodemend.dev/block': ' ' }, want: { reason: '(invalid block reason)' } },
];
for (const c of blockCases) {
  test(`clusterBlock: ${c.name}`, () => {
    const ds = c.ann ? { metadata: { annotations: c.ann } } : undefined;
    assert.deepEqual(clusterBlock(ds), c.want);
    assert.deepEqual(clusterBlock(ds && slimDaemonSet(ds)), c.want);
  });
}

const ev = (e: Partial<CoreV1Event>): CoreV1Event => ({ metadata: { uid: 'u1', name: 'e1' }, involvedObject: { kind: 'Node', name: 'n1' }, reason: 'Draining', message: 'm', type: 'Normal', ...e });
const eventCases: { name: string; in: CoreV1Event; want: unknown }[] = [
  { name: 'node event with eventTime', in: ev({ eventTime: '2026-11-24T10:00:00.123456Z' as never }), want: { id: 'u1:1', time: '2026-11-24T10:00:00.123Z', type: 'Normal', reason: 'Draining', message: 'm', node: 'n1' } },
  { name: 'falls back to lastTimestamp; count in id', in: ev({ lastTimestamp: new Date('2026-11-24T10:00:01Z'), count: 3, type: 'Warning' }), want: { id: 'u1:3', time: '2026-11-24T10:00:01.000Z', type: 'Warning', reason: 'Draining', message: 'm', node: 'n1' } },
  { name: 'series count wins', in: ev({ series: { count: 7, lastObservedTime: '2026-11-24T10:00:02.000000Z' as never } }), want: { id: 'u1:7', time: '2026-11-24T10:00:02.000Z', type: 'Normal', reason: 'Draining', message: 'm', node: 'n1' } },
  { name: 'events about other kinds are ignored', in: ev({ involvedObject: { kind: 'Pod', name: 'p' } }), want: undefined },
];
for (const c of eventCases) {
  test(`clusterEvent: ${c.name}`, () => {
    assert.deepEqual(clusterEvent(c.in), c.want);
    assert.deepEqual(clusterEvent(slimEvent(c.in)), c.want);
  });
}

test('clusterEvent: long messages are cut', () => {
  assert.equal(clusterEvent(ev({ message: 'x'.repeat(5000) }))!.message.length, 1024);
});

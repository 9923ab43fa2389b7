import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CoreV1Event, V1Lease, V1Node } from '@kubernetes/client-node';
import { HubState, MAX_EVENTS } from './state.ts';
import { applyDelta, type ClusterSnapshot } from '../../protocol/messages.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const st = (phase: string) => JSON.stringify({ v: 1, phase, reason: 'r', since: '2026-11-24T09:59:00Z', rebootRequired: phase !== 'healthy', agent: 'a' });
const node = (name: string, phase?: string, ready = true): V1Node => ({
  metadata: { name, annotations: phase ? { 'nodemend.dev/state': st(phase) } : {} },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const lease = (name: string, holder?: string): V1Lease => ({ metadata: { name }, spec: holder ? { holderIdentity: holder, acquireTime: '2026-11-24T09:00:00.000000Z' as never } : {} });
const event = (uid: string, node: string, t: string): CoreV1Event => ({ metadata: { uid }, involvedObject: { kind: 'Node', name: node }, reason: 'R', message: 'm', eventTime: t as never });

const clone = (s: ClusterSnapshot): ClusterSnapshot => JSON.parse(JSON.stringify(s));

type Step = (s: HubState) => unknown[];
const cases: { name: string; steps: Step[]; ops: string[][] }[] = [
  { name: 'new node emits a node op; the forecast changes only on refresh', steps: [(s) => s.upsertNode(node('a')), (s) => s.upsertNode(node('b', 'reboot-required')), (s) => s.refreshForecast(), (s) => s.refreshForecast()], ops: [['node'], ['node'], ['forecast'], []] },
  { name: 'an identical update emits nothing', steps: [(s) => s.upsertNode(node('a')), (s) => s.upsertNode(node('a'))], ops: [['node'], []] },
  { name: 'removal emits node-removed', steps: [(s) => s.upsertNode(node('a')), (s) => s.removeNode('a'), (s) => s.removeNode('a')], ops: [['node'], ['node-removed'], []] },
  { name: 'a waiting-lock node queues at once; its marker then changes nothing', steps: [(s) => s.upsertNode(node('a', 'waiting-lock')), (s) => s.upsertLease(lease('nodemend-wait-a', 'a'))], ops: [['locks', 'node'], []] },
  { name: 'taking the lock empties the queue and updates the node', steps: [(s) => s.upsertNode(node('a', 'waiting-lock')), (s) => s.upsertLease(lease('nodemend-lock-0', 'a'))], ops: [['locks', 'node'], ['locks', 'node']] },
  { name: 'unrelated leases change nothing', steps: [(s) => s.upsertLease(lease('kube-node-lease'))], ops: [[]] },
  { name: 'daemonset appears with a block, then the block is lifted', steps: [
    (s) => s.setDaemonSet({ metadata: { annotations: { 'nodemend.dev/block': 'freeze' } } }),
    (s) => s.setDaemonSet({ metadata: { annotations: {} } }),
    (s) => s.setDaemonSet(undefined),
  ], ops: [['backend', 'cluster-block'], ['cluster-block'], ['backend']] },
  { name: 'an event once per occurrence', steps: [(s) => s.addEvent(event('u1', 'a', '2026-11-24T10:00:00Z')), (s) => s.addEvent(event('u1', 'a', '2026-11-24T10:00:00Z'))], ops: [['event'], []] },
];

for (const c of cases) {
  test(`state: ${c.name}`, () => {
    const s = new HubState(() => NOW);
    c.steps.forEach((step, i) => assert.deepEqual((step(s) as { op: string }[]).map((o) => o.op), c.ops[i], `step ${i}`));
  });
}

test('state: queue positions follow the lock view', () => {
  const s = new HubState(() => NOW);
  s.upsertNode(node('a', 'waiting-lock'));
  s.upsertNode(node('b', 'waiting-lock'));
  s.upsertLease({ ...lease('nodemend-wait-b', 'b'), spec: { holderIdentity: 'b', acquireTime: '2026-11-24T09:00:00.000000Z' as never } });
  s.upsertLease({ ...lease('nodemend-wait-a', 'a'), spec: { holderIdentity: 'a', acquireTime: '2026-11-24T09:00:01.000000Z' as never } });
  const snap = s.snapshot();
  assert.deepEqual(snap.locks.waiting, ['b', 'a']);
  assert.deepEqual(snap.nodes.map((n) => [n.name, n.queuePosition]), [['a', 2], ['b', 1]]);
});

test('state: events are bounded; the initial list is sorted by time, live ones keep arrival order', () => {
  const s = new HubState(() => NOW);
  s.addEvent(event('late', 'a', '2026-11-24T10:00:05Z'));
  s.addEvent(event('early', 'a', '2026-11-24T10:00:01Z'));
  s.goLive();
  s.addEvent(event('live-skewed', 'a', '2026-11-24T10:00:00Z'));
  assert.deepEqual(s.snapshot().events.map((e) => e.id), ['early:1', 'late:1', 'live-skewed:1']);
  for (let i = 0; i < MAX_EVENTS + 50; i++) s.addEvent(event(`e${i}`, 'a', '2026-11-24T10:01:00Z'));
  assert.equal(s.snapshot().events.length, MAX_EVENTS);
  assert.equal(s.snapshot().events.at(-1)!.id, `e${MAX_EVENTS + 49}:1`);
});

// The reducer's contract: applying the ops it returns to the previous snapshot gives the new one.
test('state: applyDelta(previous snapshot, ops) equals the next snapshot, for any change sequence', () => {
  const names = ['a', 'b', 'c'];
  const phases = ['healthy', 'reboot-required', 'waiting-lock', 'draining', 'rebooting', 'verifying', 'failed'];
  const change = fc.oneof(
    fc.record({ k: fc.constant('node'), n: fc.constantFrom(...names), p: fc.constantFrom(...phases), r: fc.boolean() }),
    fc.record({ k: fc.constant('rm'), n: fc.constantFrom(...names) }),
    fc.record({ k: fc.constant('lease'), slot: fc.constantFrom('nodemend-lock-0', 'nodemend-lock-1', 'nodemend-wait-a', 'nodemend-wait-b'), h: fc.option(fc.constantFrom(...names), { nil: undefined }) }),
    fc.record({ k: fc.constant('rmlease'), slot: fc.constantFrom('nodemend-lock-0', 'nodemend-wait-a') }),
    fc.record({ k: fc.constant('ds'), b: fc.option(fc.constantFrom('freeze', 'audit'), { nil: undefined }), gone: fc.boolean() }),
    fc.record({ k: fc.constant('event'), id: fc.integer({ min: 0, max: 20 }), n: fc.constantFrom(...names) }),
    fc.record({ k: fc.constant('forecast') }),
  );
  fc.assert(
    fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
      const s = new HubState(() => NOW);
      s.goLive();
      let client = clone(s.snapshot());
      for (const c of changes) {
        let ops;
        switch (c.k) {
          case 'node': ops = s.upsertNode(node(c.n, c.p, c.r)); break;
          case 'rm': ops = s.removeNode(c.n); break;
          case 'lease': ops = s.upsertLease(lease(c.slot, c.h)); break;
          case 'rmlease': ops = s.removeLease(c.slot); break;
          case 'ds': ops = s.setDaemonSet(c.gone ? undefined : { metadata: { annotations: c.b ? { 'nodemend.dev/block': c.b } : {} } }); break;
          case 'forecast': ops = s.refreshForecast(); break;
          default: ops = s.addEvent(event(`u${c.id}`, c.n, '2026-11-24T10:00:00Z'));
        }
        client = clone(client);
        applyDelta(client, JSON.parse(JSON.stringify(ops)), MAX_EVENTS);
        const want = clone(s.snapshot());
        client.nodes.sort((x, y) => x.name.localeCompare(y.name));
        assert.deepEqual(client, want);
      }
    }),
    { numRuns: 300 },
  );
});

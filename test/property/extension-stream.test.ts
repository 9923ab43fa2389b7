// Property test of where hub frames enter the extension (extension/state/stream.ts behind
// protocol/messages.ts parseServerMessage): over a channel that drops, duplicates and reorders
// frames, the client never throws, never applies a delta out of order, and once it is live and a
// heartbeat confirms its seq, its view equals the hub's state exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamState } from '../../extension/state/stream.ts';
import type { RebootRecord } from '../../protocol/model.ts';
import { applyDelta, parseServerMessage, type ClusterSnapshot, type DeltaOp } from '../../protocol/messages.ts';
import { check } from './support.ts';

const o = { noNullPrototype: true } as const;
const name = fc.constantFrom('a', 'b', 'c', 'd');
const op: fc.Arbitrary<DeltaOp> = fc.oneof(
  fc.record({ op: fc.constant('node' as const), node: fc.record({ name, ready: fc.boolean(), unschedulable: fc.boolean(), cordonedByUs: fc.boolean(), requests: fc.constant({}), requestErrors: fc.constant<string[]>([]), history: fc.constant<RebootRecord[]>([]) }, o) }, o),
  fc.record({ op: fc.constant('node-removed' as const), name }, o),
  fc.record({ op: fc.constant('backend' as const), installed: fc.boolean() }, o),
  fc.record({ op: fc.constant('cluster-block' as const), block: fc.option(fc.record({ reason: fc.string({ maxLength: 5 }) }, o), { nil: null }) }, o),
);
const empty = (): ClusterSnapshot => ({ nodes: [], locks: { slots: [], waiting: [] }, forecast: { pending: 0, enoughData: false, basis: '' }, events: [], backendInstalled: true });
const view = (s: ClusterSnapshot | undefined) => s && { nodes: [...s.nodes].sort((x, y) => x.name.localeCompare(y.name)), clusterBlock: s.clusterBlock, backend: s.backendInstalled };

// Channel faults per delta frame: 0 deliver, 1 drop, 2 duplicate, 3 swap with the next one.
const fault = fc.constantFrom(0, 0, 0, 0, 1, 2, 3);

test('extension stream: over a lossy channel the view converges to the hub state, deltas applied in order', (t) => {
  check(t, fc.property(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { maxLength: 25 }), fc.array(fault, { maxLength: 25 }), (batches, faults) => {
    const hub = empty();
    let seq = 0;
    const client = new StreamState();
    let reconnects = 0;
    const deliver = (m: unknown) => {
      const p = parseServerMessage(JSON.stringify(m));
      assert.ok(p.ok, 'the hub only sends valid frames');
      return client.handle(p.value);
    };
    const connect = () => {
      reconnects++;
      const h = client.hello('test');
      // The hub has no journal in this model: every (re)connection gets a fresh snapshot.
      if (h.resume) assert.ok(h.resume.seq <= seq);
      deliver({ type: 'hello', version: 1, streamId: 's1', hub: 'h', heartbeatMs: 1000 });
      deliver({ type: 'snapshot', seq, snapshot: structuredClone(hub) });
    };
    connect();
    const frames: { seq: number; ops: DeltaOp[] }[] = [];
    for (const ops of batches) {
      applyDelta(hub, ops);
      frames.push({ seq: ++seq, ops });
    }
    for (let i = 0; i < frames.length; i++) {
      const f = faults[i] ?? 0;
      const send = (x: { seq: number; ops: DeltaOp[] }) => {
        const before = view(client.snapshot());
        const r = deliver({ type: 'delta', seq: x.seq, ops: x.ops });
        if (r.kind === 'resync') {
          client.forgetResume();
          connect();
        } else if (r.kind === 'none') assert.deepEqual(view(client.snapshot()), before, 'a stale or duplicate delta changes nothing');
      };
      if (f === 1) continue;
      if (f === 3 && i + 1 < frames.length) {
        send(frames[i + 1]);
        send(frames[i]);
        i++;
        continue;
      }
      send(frames[i]);
      if (f === 2) send(frames[i]);
    }
    // The hub's heartbeat reveals any loss at the end; the client then resyncs.
    const hb = deliver({ type: 'heartbeat', seq, time: new Date(0).toISOString() });
    if (hb.kind === 'resync') {
      client.forgetResume();
      connect();
    }
    assert.ok(client.live());
    assert.deepEqual(view(client.snapshot()), view(hub), `after ${reconnects} connection(s)`);
  }), 2000);
});

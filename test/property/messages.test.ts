// Property tests of the hub protocol and the webview messages (protocol/messages.ts,
// protocol/webview.ts): malformed JSON, wrong types, unknown kinds and oversized frames give an
// error, valid messages round-trip, and the shared reducer keeps its bounds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyDelta, mergeEvents, MAX_FRAME_BYTES, parseClientMessage, parseServerMessage, type ClusterEvent, type ClusterSnapshot, type DeltaOp, type NodeView } from '../../protocol/messages.ts';
import { NODE_ACTIONS, parseHostMessage, parseWebviewMessage } from '../../protocol/webview.ts';
import { check, json, nasty } from './support.ts';

const o = { noNullPrototype: true } as const;
const nodeName = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,20}[a-z0-9])?$/);
const nodeView: fc.Arbitrary<NodeView> = fc.record({
  name: nodeName, ready: fc.boolean(), unschedulable: fc.boolean(), cordonedByUs: fc.boolean(),
  requests: fc.constant({}), requestErrors: fc.array(fc.string(), { maxLength: 2 }), history: fc.constant([]), zone: fc.string(),
}, { requiredKeys: ['name', 'ready', 'unschedulable', 'cordonedByUs', 'requests', 'requestErrors', 'history'], ...o });
const event: fc.Arbitrary<ClusterEvent> = fc.record({ id: fc.uuid(), time: fc.string(), type: fc.constantFrom('Normal', 'Warning'), reason: fc.string(), message: fc.string(), node: nodeName }, { requiredKeys: ['time', 'type', 'reason', 'message'], ...o });
const locks = fc.record({ slots: fc.array(fc.record({ name: fc.string(), scope: fc.string(), holder: nodeName }, o), { maxLength: 3 }), waiting: fc.array(nodeName, { maxLength: 3 }) }, o);
const op: fc.Arbitrary<DeltaOp> = fc.oneof(
  fc.record({ op: fc.constant('node' as const), node: nodeView }, o),
  fc.record({ op: fc.constant('node-removed' as const), name: nodeName }, o),
  fc.record({ op: fc.constant('locks' as const), locks }, o),
  fc.record({ op: fc.constant('cluster-block' as const), block: fc.option(fc.record({ reason: fc.string() }, o), { nil: null }) }, o),
  fc.record({ op: fc.constant('forecast' as const), forecast: fc.record({ pending: fc.nat(), enoughData: fc.boolean(), basis: fc.string() }, o) }, o),
  fc.record({ op: fc.constant('event' as const), event }, o),
  fc.record({ op: fc.constant('backend' as const), installed: fc.boolean() }, o),
);
const snapshot = (): ClusterSnapshot => ({ nodes: [], locks: { slots: [], waiting: [] }, forecast: { pending: 0, enoughData: false, basis: '' }, events: [], backendInstalled: true });

/** A valid message with one field replaced by junk, or a key dropped: the commonest corruption. */
function mutate(v: unknown, junk: unknown, pick: number, drop: boolean): unknown {
  if (typeof v !== 'object' || v === null) return junk;
  const keys = Object.keys(v);
  if (keys.length === 0) return junk;
  const k = keys[pick % keys.length];
  const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as unknown as Record<string, unknown>) : { ...(v as Record<string, unknown>) };
  if (drop) delete copy[k];
  else copy[k] = pick % 3 === 0 ? mutate(copy[k], junk, Math.floor(pick / 3), drop) : junk;
  return copy;
}

test('parseClientMessage: never throws on any text; errors are short; valid hellos round-trip', (t) => {
  check(t, fc.property(fc.oneof(nasty, json.map((v) => JSON.stringify(v)), fc.constant('x'.repeat(MAX_FRAME_BYTES + 1))), (text) => {
    const r = parseClientMessage(text);
    if (r.ok) assert.ok(r.value.versions.length >= 1 && r.value.versions.length <= 16);
    else assert.ok(r.error.length < 200, r.error);
  }), 3000);
  const hello = fc.record({ type: fc.constant('hello' as const), versions: fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), resume: fc.record({ streamId: fc.string({ maxLength: 64 }), seq: fc.nat() }, o), client: fc.string({ maxLength: 128 }) }, { requiredKeys: ['type', 'versions'], ...o });
  check(t, fc.property(hello, (h) => assert.deepEqual(parseClientMessage(JSON.stringify(h)), { ok: true, value: h })), 1000);
  check(t, fc.property(hello, json, fc.nat(), fc.boolean(), (h, junk, pick, drop) => {
    const r = parseClientMessage(JSON.stringify(mutate(h, junk, pick, drop)));
    if (!r.ok) assert.match(r.error, /hello|type|JSON|frame/);
  }), 2000);
});

test('parseServerMessage: never throws; valid frames are accepted; corrupted ones give an error', (t) => {
  const frame = fc.oneof(
    fc.record({ type: fc.constant('delta'), seq: fc.nat(), ops: fc.array(op, { maxLength: 6 }) }, o),
    fc.record({ type: fc.constant('heartbeat'), seq: fc.nat(), time: fc.string() }, o),
    fc.record({ type: fc.constant('hello'), version: fc.nat(), streamId: fc.string(), hub: fc.string(), heartbeatMs: fc.nat() }, o),
    fc.array(nodeView, { maxLength: 4 }).map((nodes) => ({ type: 'snapshot', seq: 1, snapshot: { ...snapshot(), nodes } })),
  );
  check(t, fc.property(frame, (f) => assert.equal(parseServerMessage(JSON.stringify(f)).ok, true)), 1000);
  check(t, fc.property(fc.oneof(nasty, json.map((v) => JSON.stringify(v)), fc.tuple(frame, json, fc.nat(), fc.boolean()).map(([f, j, p, d]) => JSON.stringify(mutate(f, j, p, d)))), (text) => {
    const r = parseServerMessage(text);
    if (!r.ok) assert.ok(r.error.length < 200);
  }), 3000);
});

test('applyDelta: any valid ops keep node names unique and events bounded', (t) => {
  check(t, fc.property(fc.array(fc.array(op, { maxLength: 20 }), { maxLength: 20 }), fc.integer({ min: 1, max: 50 }), (batches, maxEvents) => {
    const s = snapshot();
    for (const ops of batches) {
      const p = parseServerMessage(JSON.stringify({ type: 'delta', seq: 1, ops }));
      assert.ok(p.ok);
      applyDelta(s, ops, maxEvents);
      assert.ok(s.events.length <= maxEvents);
      assert.equal(new Set(s.nodes.map((n) => n.name)).size, s.nodes.length);
    }
  }), 1000);
});

test('mergeEvents: bounded, no id twice, every incoming id present when it fits', (t) => {
  const ev = (id: string): ClusterEvent => ({ id, time: 't', type: 'Normal', reason: 'r', message: '' });
  check(t, fc.property(fc.uniqueArray(fc.string(), { maxLength: 30 }), fc.uniqueArray(fc.string(), { maxLength: 30 }), fc.integer({ min: 1, max: 100 }), (a, b, max) => {
    const out = mergeEvents(a.map(ev), b.map(ev), max);
    assert.ok(out.length <= max);
    assert.equal(new Set(out.map((e) => e.id)).size, out.length);
    if (new Set([...a, ...b]).size <= max) for (const id of b) assert.ok(out.some((e) => e.id === id));
  }), 1000);
});

test('parseWebviewMessage: never throws; only known actions on valid node names pass', (t) => {
  const cmd = fc.record({ type: fc.constant('command'), action: fc.constantFrom(...NODE_ACTIONS), node: nodeName }, o);
  check(t, fc.property(cmd, (c) => assert.deepEqual(parseWebviewMessage(c), { ok: true, value: c })), 1000);
  check(t, fc.property(fc.oneof(json, fc.tuple(cmd, json, fc.nat(), fc.boolean()).map(([c, j, p, d]) => mutate(c, j, p, d)), fc.record({ type: fc.constant('command'), action: fc.string(), node: nasty }, o)), (m) => {
    const r = parseWebviewMessage(m);
    if (r.ok && r.value.type === 'command') {
      assert.ok((NODE_ACTIONS as readonly string[]).includes(r.value.action));
      assert.match(r.value.node, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    } else if (!r.ok) assert.match(r.error, /webview message|command\.(action|node)/);
  }), 3000);
});

test('parseHostMessage: never throws on any value', (t) => {
  check(t, fc.property(fc.oneof(json, fc.anything(), fc.array(op).map((ops) => ({ type: 'delta', ops }))), (m) => {
    const r = parseHostMessage(m);
    if (!r.ok) assert.ok(r.error.length < 200);
  }), 3000);
});

// The extension host validates hub frames with parseServerMessage, applies them, and forwards the
// same ops to the webview, which validates them with parseHostMessage. Whatever the first accepts
// the second must accept too, or the dashboard silently drops a whole batch the tree view shows.
test('hub -> extension -> webview: every delta the extension accepts, the webview accepts', (t) => {
  const loose = fc.record({ op: fc.constant('event'), event: fc.record({ reason: fc.string(), message: fc.string(), time: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['reason', 'message'], ...o }) }, o);
  check(t, fc.property(fc.array(fc.oneof(op, loose), { maxLength: 5 }), (ops) => {
    const p = parseServerMessage(JSON.stringify({ type: 'delta', seq: 1, ops }));
    if (p.ok && p.value.type === 'delta') assert.equal(parseHostMessage({ type: 'delta', ops: p.value.ops }).ok, true, JSON.stringify(ops));
  }), 1000);
});

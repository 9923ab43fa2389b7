// Property test of where client frames enter the hub (backend/hub/session.ts): any sequence of
// frames (text or binary, JSON or not, oversized, floods after hello) never throws into the hub;
// every bad frame is answered by an error frame the client can parse; a connection is closed
// after MAX_BAD_FRAMES bad frames or a fatal one; a valid hello always gets hello + snapshot or
// an exact replay. The WebSocket is an in-memory stand-in: the session only calls send, close,
// terminate and ping on it and listens to its events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import type WebSocket from 'ws';
import { Session, MAX_BAD_FRAMES, type SessionHost } from '../../backend/hub/session.ts';
import { Journal } from '../../backend/hub/journal.ts';
import { MAX_FRAME_BYTES, parseServerMessage } from '../../protocol/messages.ts';
import { check, json, nasty } from './support.ts';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  send(s: string): void {
    this.sent.push(s);
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
  terminate(): void {
    this.closedWith ??= 1006;
    this.readyState = 3;
  }
  ping(): void {}
}

type Frame = { data: Buffer; binary: boolean };
const text = (s: string): Frame => ({ data: Buffer.from(s, 'utf8'), binary: false });
const hello = fc.record({ type: fc.constant('hello'), versions: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), resume: fc.option(fc.record({ streamId: fc.constantFrom('s1', 's0'), seq: fc.nat(12) }, { noNullPrototype: true }), { nil: undefined }) }, { requiredKeys: ['type', 'versions'], noNullPrototype: true }).map((h) => text(JSON.stringify(h)));
const frame: fc.Arbitrary<Frame> = fc.oneof(
  hello,
  nasty.map(text),
  json.map((v) => text(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ data: Buffer.from(b), binary: true })),
  fc.constant({ data: Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20), binary: false }),
);

test('hub session: any frame sequence is handled without a throw, with parseable answers and bounded tolerance', (t) => {
  check(t, fc.property(fc.array(frame, { minLength: 1, maxLength: 12 }), fc.nat(10), (frames, deltas) => {
    const journal = new Journal('s1');
    for (let i = 0; i < deltas; i++) journal.append([{ op: 'backend', installed: i % 2 === 0 }]);
    const closed: string[] = [];
    const host: SessionHost = {
      streamId: 's1', hubName: 'hub-test', heartbeatMs: 1000,
      plan: (r) => journal.plan(r),
      snapshotFrame: () => ({ seq: journal.seq, frame: JSON.stringify({ type: 'snapshot', seq: journal.seq, snapshot: { nodes: [], locks: { slots: [], waiting: [] }, forecast: { pending: 0, enoughData: false, basis: '' }, events: [], backendInstalled: true } }) }),
      count: () => undefined,
      closed: (_s, reason) => void closed.push(reason),
    };
    const ws = new FakeSocket();
    const s = new Session('c1', 'user', ws as unknown as WebSocket, host);
    let bad = 0;
    for (const f of frames) {
      if (ws.readyState !== 1) break;
      const before = ws.sent.length;
      const wasLive = s.isLive;
      ws.emit('message', f.data, f.binary);
      const answers = ws.sent.slice(before).map((x) => parseServerMessage(x));
      for (const a of answers) assert.ok(a.ok, 'every frame the hub sends parses on the client');
      const errors = answers.filter((a) => a.ok && a.value.type === 'error');
      if (errors.length) bad++;
      else if (!wasLive) {
        // A good hello: hello first, then a snapshot or the exact replay after the resume seq.
        assert.ok(s.isLive);
        assert.equal(answers[0].ok && answers[0].value.type, 'hello');
        for (const a of answers.slice(1)) assert.ok(a.ok && ['snapshot', 'delta', 'notice'].includes(a.value.type));
      }
      assert.ok(bad <= MAX_BAD_FRAMES, 'no more bad frames tolerated than the limit');
    }
    if (bad >= MAX_BAD_FRAMES) assert.equal(ws.closedWith, 1008, 'closed with policy violation after repeated bad frames');
    if (ws.closedWith !== undefined) assert.equal(closed.length, 1, 'the hub is told once that the session closed');
    ws.emit('close');
    assert.ok(closed.length <= 1);
  }), 1500);
});

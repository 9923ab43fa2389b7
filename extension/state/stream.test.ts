import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage } from '../../protocol/messages.ts';
import { node, snapshot } from './builders.ts';
import { StreamState } from './stream.ts';

const hello = (streamId = 's1'): ServerMessage => ({ type: 'hello', version: 1, streamId, hub: 'hub-0', heartbeatMs: 5000 });
const snap = (seq: number, names: string[]): ServerMessage => ({ type: 'snapshot', seq, snapshot: snapshot(names.map((n) => node(n))) });
const delta = (seq: number, name: string): ServerMessage => ({ type: 'delta', seq, ops: [{ op: 'node', node: node(name, { phase: 'draining' }) }] });
const beat = (seq: number): ServerMessage => ({ type: 'heartbeat', seq, time: '2026-11-24T20:00:00Z' });

type Step = { frame: ServerMessage; kind: string; live?: boolean };
const cases: { name: string; steps: Step[]; nodes?: string[]; hello?: unknown }[] = [
  {
    name: 'hello, snapshot, deltas in order',
    steps: [
      { frame: hello(), kind: 'hello', live: false },
      { frame: snap(3, ['a']), kind: 'snapshot', live: true },
      { frame: delta(4, 'b'), kind: 'delta' },
      { frame: beat(4), kind: 'none', live: true },
    ],
    nodes: ['a', 'b'],
    hello: { type: 'hello', versions: [1], client: 't', resume: { streamId: 's1', seq: 4 } },
  },
  {
    name: 'a gap asks for a resync and does not apply',
    steps: [{ frame: hello(), kind: 'hello' }, { frame: snap(3, ['a']), kind: 'snapshot' }, { frame: delta(5, 'b'), kind: 'resync' }],
    nodes: ['a'],
  },
  {
    name: 'a duplicate replayed delta is ignored',
    steps: [{ frame: hello(), kind: 'hello' }, { frame: snap(3, ['a']), kind: 'snapshot' }, { frame: delta(3, 'b'), kind: 'none' }],
    nodes: ['a'],
  },
  {
    name: 'a heartbeat ahead of us means a lost delta',
    steps: [{ frame: hello(), kind: 'hello' }, { frame: snap(3, ['a']), kind: 'snapshot' }, { frame: beat(5), kind: 'resync' }],
  },
  {
    name: 'a delta before any snapshot asks for a resync',
    steps: [{ frame: hello(), kind: 'hello' }, { frame: delta(1, 'a'), kind: 'resync' }],
    hello: { type: 'hello', versions: [1], client: 't' },
  },
  {
    name: 'an unsupported version is fatal',
    steps: [{ frame: { type: 'hello', version: 9, streamId: 's', hub: 'h', heartbeatMs: 1 }, kind: 'error' }],
  },
  {
    name: 'resume: after reconnect, replayed deltas continue the same stream',
    steps: [
      { frame: hello(), kind: 'hello' },
      { frame: snap(3, ['a']), kind: 'snapshot' },
      { frame: hello(), kind: 'hello', live: false },
      { frame: delta(4, 'b'), kind: 'delta', live: true },
    ],
    nodes: ['a', 'b'],
  },
  {
    name: 'resume with nothing to replay is confirmed by a heartbeat at our seq',
    steps: [
      { frame: hello(), kind: 'hello' },
      { frame: snap(3, ['a']), kind: 'snapshot' },
      { frame: hello(), kind: 'hello', live: false },
      { frame: beat(3), kind: 'none', live: true },
    ],
  },
  {
    name: 'another stream id (hub restarted): old seq is dropped, fresh snapshot taken',
    steps: [
      { frame: hello('s1'), kind: 'hello' },
      { frame: snap(30, ['a']), kind: 'snapshot' },
      { frame: hello('s2'), kind: 'hello' },
      { frame: beat(2), kind: 'none', live: false },
      { frame: snap(2, ['x']), kind: 'snapshot', live: true },
    ],
    nodes: ['x'],
    hello: { type: 'hello', versions: [1], client: 't', resume: { streamId: 's2', seq: 2 } },
  },
];
for (const c of cases) {
  test(`stream: ${c.name}`, () => {
    const s = new StreamState();
    for (const [i, st] of c.steps.entries()) {
      const out = s.handle(st.frame);
      assert.equal(out.kind, st.kind, `step ${i}`);
      if (st.live !== undefined) assert.equal(s.live(), st.live, `live after step ${i}`);
    }
    if (c.nodes) assert.deepEqual(s.snapshot()?.nodes.map((n) => n.name), c.nodes);
    if (c.hello) assert.deepEqual(s.hello('t'), c.hello);
  });
}

test('stream: a fresh snapshot keeps events already shown', () => {
  const s = new StreamState();
  s.handle(hello());
  const ev = (id: string) => ({ id, time: 't', type: 'Normal' as const, reason: 'R', message: id });
  s.handle({ type: 'snapshot', seq: 1, snapshot: snapshot([], { events: [ev('1'), ev('2')] }) });
  s.handle({ type: 'snapshot', seq: 9, snapshot: snapshot([], { events: [ev('2'), ev('3')] }) });
  assert.deepEqual(s.snapshot()?.events.map((e) => e.id), ['1', '2', '3']);
});

test('stream: forgetResume drops the resume point but keeps the view', () => {
  const s = new StreamState();
  s.handle(hello());
  s.handle(snap(3, ['a']));
  s.forgetResume();
  assert.equal(s.hello('t').resume, undefined);
  assert.equal(s.snapshot()?.nodes.length, 1);
  s.reset();
  assert.equal(s.snapshot(), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeEvents, parseClientMessage, parseServerMessage, MAX_FRAME_BYTES, type ClusterEvent } from './messages.ts';

const clientCases: { name: string; text: string; ok: boolean; match?: RegExp }[] = [
  { name: 'minimal hello', text: '{"type":"hello","versions":[1]}', ok: true },
  { name: 'hello with resume and client', text: '{"type":"hello","versions":[1,2],"resume":{"streamId":"s","seq":4},"client":"vscode"}', ok: true },
  { name: 'not JSON', text: '{', ok: false, match: /not JSON/ },
  { name: 'array', text: '[]', ok: false, match: /not a JSON object/ },
  { name: 'unknown type', text: '{"type":"subscribe"}', ok: false, match: /unknown message type "subscribe"/ },
  { name: 'empty versions', text: '{"type":"hello","versions":[]}', ok: false, match: /hello.versions/ },
  { name: 'negative seq', text: '{"type":"hello","versions":[1],"resume":{"streamId":"s","seq":-1}}', ok: false, match: /hello.resume/ },
  { name: 'long client name', text: JSON.stringify({ type: 'hello', versions: [1], client: 'x'.repeat(200) }), ok: false, match: /hello.client/ },
  { name: 'oversized', text: 'x'.repeat(MAX_FRAME_BYTES + 1), ok: false, match: /larger than/ },
];
for (const c of clientCases) {
  test(`parseClientMessage: ${c.name}`, () => {
    const r = parseClientMessage(c.text);
    assert.equal(r.ok, c.ok);
    if (!r.ok) assert.match(r.error, c.match!);
  });
}

test('parseServerMessage: rejects a delta with an unknown op', () => {
  assert.equal(parseServerMessage('{"type":"delta","seq":1,"ops":[{"op":"explode"}]}').ok, false);
  assert.equal(parseServerMessage('{"type":"delta","seq":1,"ops":[{"op":"node-removed","name":"a"}]}').ok, true);
});

test('parseServerMessage: a forecast op is checked where the views count and list it (held groups)', () => {
  const op = (forecast: unknown) => parseServerMessage(JSON.stringify({ type: 'delta', seq: 1, ops: [{ op: 'forecast', forecast }] })).ok;
  const f = { pending: 1, enoughData: true, basis: 'b' };
  assert.equal(op(f), true, 'an older hub: no held groups');
  assert.equal(op({ ...f, held: [{ by: 'pdb', pdb: 'shop/api', count: 2, nodes: ['a', 'b'] }] }), true);
  for (const bad of [{ ...f, held: {} }, { ...f, held: [{ by: 'pdb' }] }, { ...f, held: [{ by: 'pdb', count: 1, nodes: [1] }] }, { ...f, pending: -1 }, { enoughData: true, basis: 'b' }]) assert.equal(op(bad), false, JSON.stringify(bad));
});

const e = (id: string | undefined, reason = 'R'): ClusterEvent => ({ ...(id ? { id } : {}), time: 't', type: 'Normal', reason, message: '' });
const mergeCases: { name: string; known: ClusterEvent[]; incoming: ClusterEvent[]; max?: number; want: (string | undefined)[] }[] = [
  { name: 'adds only unseen ids, in order', known: [e('a'), e('b')], incoming: [e('b'), e('c'), e('d')], want: ['a', 'b', 'c', 'd'] },
  { name: 'nothing new', known: [e('a')], incoming: [e('a')], want: ['a'] },
  { name: 'bounded to the newest', known: [e('a'), e('b')], incoming: [e('c')], max: 2, want: ['b', 'c'] },
  { name: 'events without id are taken from the snapshot', known: [e('a')], incoming: [e(undefined, 'X')], want: [undefined] },
];
for (const c of mergeCases) test(`mergeEvents: ${c.name}`, () => assert.deepEqual(mergeEvents(c.known, c.incoming, c.max).map((x) => x.id), c.want));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Journal } from './journal.ts';

const op = (name: string) => [{ op: 'node-removed' as const, name }];

function journal(n: number, limits = { maxEntries: 5, maxBytes: 1 << 20 }): Journal {
  const j = new Journal('s1', limits);
  for (let i = 1; i <= n; i++) j.append(op(`n${i}`));
  return j;
}

const cases: { name: string; n: number; resume?: { streamId: string; seq: number }; want: string | number[] }[] = [
  { name: 'new client gets a snapshot', n: 3, want: 'new-client' },
  { name: 'other stream gets a snapshot', n: 3, resume: { streamId: 's0', seq: 2 }, want: 'other-stream' },
  { name: 'seq ahead of head gets a snapshot', n: 3, resume: { streamId: 's1', seq: 4 }, want: 'ahead' },
  { name: 'up to date replays nothing', n: 3, resume: { streamId: 's1', seq: 3 }, want: [] },
  { name: 'replays exactly the missed', n: 3, resume: { streamId: 's1', seq: 1 }, want: [2, 3] },
  { name: 'from zero while all retained', n: 3, resume: { streamId: 's1', seq: 0 }, want: [1, 2, 3] },
  { name: 'oldest resumable after trimming', n: 8, resume: { streamId: 's1', seq: 3 }, want: [4, 5, 6, 7, 8] },
  { name: 'too old after trimming', n: 8, resume: { streamId: 's1', seq: 2 }, want: 'too-old' },
  { name: 'empty journal, seq 0', n: 0, resume: { streamId: 's1', seq: 0 }, want: [] },
];

for (const c of cases) {
  test(`journal: ${c.name}`, () => {
    const p = journal(c.n).plan(c.resume);
    if (typeof c.want === 'string') assert.deepEqual(p, { kind: 'snapshot', reason: c.want });
    else {
      assert.equal(p.kind, 'replay');
      assert.deepEqual(p.kind === 'replay' && p.entries.map((e) => e.seq), c.want);
    }
  });
}

test('journal: frames are serialised delta messages with their seq', () => {
  const j = journal(2);
  const p = j.plan({ streamId: 's1', seq: 1 });
  assert.ok(p.kind === 'replay');
  assert.deepEqual(JSON.parse(p.entries[0].frame), { type: 'delta', seq: 2, ops: op('n2') });
});

test('journal: the byte budget trims old entries but keeps the newest', () => {
  const j = journal(10, { maxEntries: 1000, maxBytes: 200 });
  assert.ok(j.size.bytes <= 200 || j.size.entries === 1);
  assert.equal(j.seq, 10);
  assert.equal(j.plan({ streamId: 's1', seq: 9 }).kind, 'replay');
  assert.equal(j.plan({ streamId: 's1', seq: 1 }).kind, 'snapshot');
});

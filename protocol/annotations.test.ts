import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, parseRequests, parseTime, blockActive, parseState, parseHistory } from './annotations.ts';

const T = Date.parse('2026-11-24T22:00:00Z');

const timeCases: [string, string, number | null][] = [
  ['utc', '2026-11-24T22:00:00Z', T],
  ['offset', '2026-11-24T23:00:00+01:00', T],
  ['fraction', '2026-11-24T22:00:00.5Z', T + 500],
  ['surrounding space', ' 2026-11-24T22:00:00Z ', T],
  ['no zone', '2026-11-24T22:00:00', null],
  ['date only', '2026-11-24', null],
  ['words', 'tomorrow', null],
  ['empty', '', null],
  ['month 13', '2026-13-24T22:00:00Z', null],
  ['unix seconds', '1795557600', null],
];
for (const [name, raw, want] of timeCases) {
  test(`parseTime: ${name}`, () => {
    const r = parseTime(A.rebootAfter, raw);
    if (want === null) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, /^nodemend\.dev\/reboot-after: expected an RFC3339 time/);
    } else {
      assert.deepEqual(r, { ok: true, value: want });
    }
  });
}

const requestCases: { name: string; in: Record<string, string>; want: Partial<ReturnType<typeof parseRequests>>; errors: RegExp[] }[] = [
  { name: 'none', in: {}, want: {}, errors: [] },
  { name: 'unrelated annotations ignored', in: { 'example.com/x': 'y' }, want: {}, errors: [] },
  { name: 'reboot-after', in: { [A.rebootAfter]: '2026-11-24T22:00:00Z' }, want: { rebootAfter: T }, errors: [] },
  { name: 'force', in: { [A.forceReboot]: '2026-11-24T22:00:00Z' }, want: { forceReboot: T }, errors: [] },
  { name: 'bad force is ignored with an error', in: { [A.forceReboot]: 'now!' }, want: {}, errors: [/force-reboot: expected an RFC3339/] },
  { name: 'block', in: { [A.block]: 'kernel bug 123' }, want: { block: { reason: 'kernel bug 123' } }, errors: [] },
  { name: 'block until', in: { [A.block]: 'x', [A.blockUntil]: '2026-11-24T22:00:00Z' }, want: { block: { reason: 'x', until: T } }, errors: [] },
  { name: 'block with bad until still blocks (fail closed)', in: { [A.block]: 'x', [A.blockUntil]: 'soon' }, want: { block: { reason: 'x' } }, errors: [/block-until/] },
  { name: 'empty block reason still blocks (fail closed)', in: { [A.block]: '  ' }, want: { block: { reason: '(invalid block reason)' } }, errors: [/block: expected a non-empty reason/] },
  { name: 'huge block reason still blocks', in: { [A.block]: 'x'.repeat(10_000) }, want: { block: { reason: '(invalid block reason)' } }, errors: [/longer than 256/] },
  { name: 'until without block', in: { [A.blockUntil]: '2026-11-24T22:00:00Z' }, want: {}, errors: [/has no effect without nodemend\.dev\/block/] },
  { name: 'unicode reason', in: { [A.block]: 'パッチ待ち 🛠' }, want: { block: { reason: 'パッチ待ち 🛠' } }, errors: [] },
];
for (const c of requestCases) {
  test(`parseRequests: ${c.name}`, () => {
    const r = parseRequests(c.in);
    const { errors, ...rest } = r;
    assert.deepEqual(rest, c.want);
    assert.equal(errors.length, c.errors.length, errors.join('; '));
    c.errors.forEach((re, i) => assert.match(errors[i], re));
  });
}

test('blockActive honours expiry', () => {
  assert.equal(blockActive(undefined, T), false);
  assert.equal(blockActive({ reason: 'x' }, T), true);
  assert.equal(blockActive({ reason: 'x', until: T + 1 }, T), true);
  assert.equal(blockActive({ reason: 'x', until: T }, T), false);
});

test('parseState keeps well-formed lock limits and drops malformed ones (never half-trusted)', () => {
  const base = { v: 1, phase: 'healthy', reason: '', since: '2026-11-24T10:00:00Z', rebootRequired: false, agent: 'a' };
  const ok = { ...base, limits: { concurrency: 2, scope: { label: 'topology.kubernetes.io/zone', limit: 1 } } };
  assert.deepEqual(parseState(JSON.stringify(ok))?.limits, ok.limits);
  for (const limits of [{ concurrency: 0 }, { concurrency: 1.5 }, { concurrency: '2' }, null, { concurrency: 2, scope: { label: 'z' } }, { concurrency: 2, scope: { label: 1, limit: 1 } }]) {
    const st = parseState(JSON.stringify({ ...base, limits }));
    assert.equal(st?.phase, 'healthy', JSON.stringify(limits));
    assert.equal(st?.limits, undefined, JSON.stringify(limits));
  }
});

test('parseState keeps what blocks as a known kind; an unknown kind reads as other, a malformed list is dropped', () => {
  const base = { v: 1, phase: 'blocked', reason: '', since: '2026-11-24T10:00:00Z', rebootRequired: true, agent: 'a' };
  const ok = { ...base, blockedBy: ['pdb'], pdbs: ['shop/api'] };
  assert.deepEqual(parseState(JSON.stringify(ok)), ok);
  assert.deepEqual(parseState(JSON.stringify({ ...base, blockedBy: ['manual', 'from-the-future', 'later-still'] }))?.blockedBy, ['manual', 'other']);
  for (const blockedBy of ['pdb', [1], null, Array(17).fill('pdb'), ['x'.repeat(65)]]) {
    const st = parseState(JSON.stringify({ ...base, blockedBy }));
    assert.equal(st?.phase, 'blocked', JSON.stringify(blockedBy));
    assert.equal(st?.blockedBy, undefined, JSON.stringify(blockedBy));
  }
  for (const pdbs of ['shop/api', [''], [7], Array(6).fill('a/b')]) {
    assert.equal(parseState(JSON.stringify({ ...base, blockedBy: ['pdb'], pdbs }))?.pdbs, undefined, JSON.stringify(pdbs));
  }
});

test('parseState rejects anything that is not a v1 state', () => {
  const good = { v: 1, phase: 'draining', reason: 'r', since: '2026-11-24T22:00:00Z', rebootRequired: true, agent: 'a' };
  assert.deepEqual(parseState(JSON.stringify(good)), good);
  for (const bad of [undefined, '', '{', 'null', '[]', JSON.stringify({ ...good, v: 2 }), JSON.stringify({ ...good, phase: 'dancing' })]) {
    assert.equal(parseState(bad), undefined, String(bad));
  }
});

test('parseHistory keeps well-formed records, bounded', () => {
  const rec = { start: 'a', end: 'b', outcome: 'succeeded' };
  assert.deepEqual(parseHistory(JSON.stringify([rec, { nope: 1 }, null])), [rec]);
  assert.equal(parseHistory(JSON.stringify(Array(50).fill(rec))).length, 10);
  assert.deepEqual(parseHistory('garbage'), []);
  assert.deepEqual(parseHistory(JSON.stringify({ start: 'a' })), []);
});

test('parseTime rejects impossible calendar dates that Date.parse would roll over', () => {
  for (const raw of ['2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24T23:60:00Z', '2026-11-24T23:59:60Z', '2026-00-10T00:00:00Z', '2026-11-00T00:00:00Z']) {
    assert.equal(parseTime(A.rebootAfter, raw).ok, false, raw);
  }
  assert.equal(parseTime(A.rebootAfter, '2028-02-29T00:00:00Z').ok, true, 'leap day');
  assert.equal(parseTime(A.rebootAfter, '2026-02-29T00:00:00Z').ok, false, 'no leap day in 2026');
});

test('parseState keeps a well-formed trigger and drops a malformed one (older readers show none)', () => {
  const base = { v: 1, phase: 'waiting-lock', reason: 'x', since: '2026-11-24T22:00:00Z', rebootRequired: true, agent: 'a' };
  const t = { kind: 'condition', detail: 'node condition KernelDeadlock=True since 2026-11-24T21:00:00Z' };
  assert.deepEqual(parseState(JSON.stringify({ ...base, trigger: t }))?.trigger, t);
  assert.deepEqual(parseState(JSON.stringify({ ...base, trigger: { kind: 'sentinel' } }))?.trigger, { kind: 'sentinel' });
  for (const bad of [{ kind: 'magic' }, { kind: 'condition', detail: 7 }, { kind: 'request', detail: 'x'.repeat(600) }, 'sentinel', null]) {
    const st = parseState(JSON.stringify({ ...base, trigger: bad }));
    assert.equal(st?.phase, 'waiting-lock');
    assert.equal(st?.trigger, undefined, JSON.stringify(bad));
  }
});

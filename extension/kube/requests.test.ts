import assert from 'node:assert/strict';
import { test } from 'node:test';
import { A, parseRequests } from '../../protocol/annotations.ts';
import { block, cancelRequest, forceReboot, scheduleReboot, unblock, type Built } from './requests.ts';

const T = Date.parse('2026-11-24T22:00:00.123Z');

/** Applies a merge patch to annotations, as the API server would. */
function apply(ann: Record<string, string>, b: Built): Record<string, string> {
  assert.ok(b.ok, b.ok ? '' : b.error);
  const out = { ...ann };
  for (const [k, v] of Object.entries(b.patch.metadata.annotations)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

const cases: { name: string; before: Record<string, string>; build: Built; expect: ReturnType<typeof parseRequests> }[] = [
  { name: 'schedule writes an RFC3339 time the agent parses', before: {}, build: scheduleReboot(T), expect: { rebootAfter: Date.parse('2026-11-24T22:00:00Z'), errors: [] } },
  { name: 'force writes the time of the request', before: {}, build: forceReboot(T), expect: { forceReboot: Date.parse('2026-11-24T22:00:00Z'), errors: [] } },
  { name: 'block with expiry', before: {}, build: block('  kernel CVE freeze ', T), expect: { block: { reason: 'kernel CVE freeze', until: Date.parse('2026-11-24T22:00:00Z') }, errors: [] } },
  { name: 'block without expiry removes an old expiry', before: { [A.block]: 'old', [A.blockUntil]: '2020-01-01T00:00:00Z' }, build: block('new'), expect: { block: { reason: 'new' }, errors: [] } },
  { name: 'unblock removes both keys', before: { [A.block]: 'x', [A.blockUntil]: '2030-01-01T00:00:00Z' }, build: unblock(), expect: { errors: [] } },
  { name: 'cancel removes schedule and force, keeps a block', before: { [A.rebootAfter]: '2026-01-01T00:00:00Z', [A.forceReboot]: '2026-01-01T00:00:00Z', [A.block]: 'b' }, build: cancelRequest(), expect: { block: { reason: 'b' }, errors: [] } },
];
for (const c of cases) {
  test(`requests: ${c.name}`, () => assert.deepEqual(parseRequests(apply(c.before, c.build)), c.expect));
}

const bad: { name: string; reason: string; error: RegExp }[] = [
  { name: 'empty reason', reason: '   ', error: /nodemend.dev\/block: expected a non-empty reason/ },
  { name: 'too long reason', reason: 'x'.repeat(257), error: /longer than 256/ },
];
for (const c of bad) {
  test(`requests: block refuses ${c.name}`, () => {
    const b = block(c.reason);
    assert.equal(b.ok, false);
    if (!b.ok) assert.match(b.error, c.error);
  });
}

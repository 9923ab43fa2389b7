// Property tests of the annotation API parsers (protocol/annotations.ts): whatever a person or a
// tool writes into a nodemend.dev/* annotation, the parser returns a value or an error naming
// the annotation, never throws, and its output stays small.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { A, REQUEST_KEYS, parseHistory, parseReason, parseRequests, parseState, parseTime } from '../../protocol/annotations.ts';
import { HISTORY_MAX, PHASES, type AgentNodeState } from '../../protocol/model.ts';
import { check, json, nasty, timeish } from './support.ts';

const anyKey = fc.constantFrom(...Object.values(A), 'nodemend.dev/unknown', 'other.io/x');
const annotations = fc.dictionary(anyKey, fc.oneof(nasty, timeish, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), { maxKeys: 8 });

test('parseTime: never throws; a value is finite, an error names the key and the format', (t) => {
  check(t, fc.property(fc.constantFrom(...REQUEST_KEYS), fc.oneof(nasty, timeish), (key, raw) => {
    const r = parseTime(key, raw);
    if (r.ok) assert.ok(Number.isFinite(r.value));
    else {
      assert.ok(r.error.startsWith(`${key}: `), r.error);
      assert.match(r.error, /RFC3339/);
      assert.ok(r.error.length < key.length + 200, 'error text bounded even for huge input');
    }
  }), 2000);
});

test('parseTime: round-trips every instant written in UTC or with an offset', (t) => {
  const date = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true });
  check(t, fc.property(date, fc.integer({ min: -14 * 60, max: 14 * 60 }), (d, offMin) => {
    assert.deepEqual(parseTime(A.rebootAfter, d.toISOString()), { ok: true, value: d.getTime() });
    const local = new Date(d.getTime() + offMin * 60_000).toISOString().slice(0, 19);
    const sign = offMin < 0 ? '-' : '+';
    const off = `${sign}${String(Math.floor(Math.abs(offMin) / 60)).padStart(2, '0')}:${String(Math.abs(offMin) % 60).padStart(2, '0')}`;
    assert.deepEqual(parseTime(A.forceReboot, ` ${local}${off} `), { ok: true, value: Math.floor(d.getTime() / 1000) * 1000 });
  }), 1000);
});

// Found by this property: V8's Date.parse rolls impossible calendar dates over ("2026-02-30" became
// 2 March, "T24:00:00" the next day); parseTime now checks the fields, as Kubernetes does.
test('parseTime: an accepted UTC time denotes exactly the calendar date and time written', (t) => {
  check(t, fc.property(timeish.filter((s) => s.endsWith('Z')), (raw) => {
    const r = parseTime(A.rebootAfter, raw);
    if (r.ok) assert.equal(new Date(r.value).toISOString().slice(0, 19), raw.slice(0, 19), `${raw} accepted as ${new Date(r.value).toISOString()}`);
  }), 2000);
});

test('parseReason: never throws; a value is trimmed, non-empty and at most 256 characters', (t) => {
  check(t, fc.property(nasty, (raw) => {
    const r = parseReason(A.block, raw);
    if (r.ok) {
      assert.equal(r.value, r.value.trim());
      assert.ok(r.value.length > 0 && [...r.value].length <= 256);
    } else assert.ok(r.error.startsWith(`${A.block}: `));
  }), 2000);
});

test('parseRequests: never throws, fails closed on blocks, every error names its annotation', (t) => {
  check(t, fc.property(annotations, (ann) => {
    const r = parseRequests(ann);
    // A block annotation always blocks, whatever its value (fail closed).
    assert.equal(r.block !== undefined, ann[A.block] !== undefined);
    assert.ok(r.errors.length <= 4);
    for (const e of r.errors) {
      assert.ok(REQUEST_KEYS.some((k) => e.startsWith(`${k}: `)), e);
      assert.ok(e.length < 400, 'error text bounded');
    }
    if (r.rebootAfter !== undefined) assert.ok(Number.isFinite(r.rebootAfter));
    if (r.forceReboot !== undefined) assert.ok(Number.isFinite(r.forceReboot));
  }), 2000);
});

const stateArb: fc.Arbitrary<AgentNodeState> = fc.record(
  {
    v: fc.constant(1 as const),
    phase: fc.constantFrom(...PHASES),
    reason: fc.string(),
    since: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-01-01') }).map((d) => d.toISOString()),
    rebootRequired: fc.boolean(),
    lock: fc.string(),
    forced: fc.boolean(),
    bootId: fc.uuid(),
    agent: fc.string(),
  },
  { requiredKeys: ['v', 'phase', 'reason', 'since', 'rebootRequired', 'agent'], noNullPrototype: true },
);

test('parseState: round-trips every valid state; anything else is undefined, never a throw', (t) => {
  check(t, fc.property(stateArb, (s) => assert.deepEqual(parseState(JSON.stringify(s)), s)), 1000);
  check(t, fc.property(fc.oneof(nasty, json.map((v) => JSON.stringify(v))), (raw) => {
    const s = parseState(raw);
    if (s !== undefined) assert.ok(PHASES.includes(s.phase) && typeof s.reason === 'string' && typeof s.since === 'string');
  }), 2000);
});

test('parseHistory: never throws, at most HISTORY_MAX well-formed records, valid ones round-trip', (t) => {
  const rec = fc.record({ start: fc.string(), end: fc.string(), outcome: fc.constantFrom('succeeded', 'failed', 'cancelled'), reason: fc.string(), forced: fc.boolean() }, { requiredKeys: ['start', 'end', 'outcome'], noNullPrototype: true });
  check(t, fc.property(fc.array(rec, { maxLength: HISTORY_MAX }), (h) => assert.deepEqual(parseHistory(JSON.stringify(h)), h)), 500);
  check(t, fc.property(fc.oneof(nasty, json.map((v) => JSON.stringify(v)), fc.array(fc.oneof(rec, json), { maxLength: 40 }).map((a) => JSON.stringify(a))), (raw) => {
    const h = parseHistory(raw);
    assert.ok(h.length <= HISTORY_MAX);
    for (const r of h) assert.ok(typeof r.start === 'string' && typeof r.end === 'string' && typeof r.outcome === 'string');
  }), 2000);
});

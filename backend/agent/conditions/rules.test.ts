import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, parseConditionRule, type ConditionRule, type EvalInput } from './rules.ts';
import { stormCheck } from './storm.ts';
import type * as k8s from '@kubernetes/client-node';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const MIN = 60_000;
const at = (ms: number) => new Date(ms).toISOString();
const rule = (o: Partial<ConditionRule> = {}): ConditionRule => ({ type: 'KernelDeadlock', status: 'True', forMs: 5 * MIN, urgent: false, ...o });
const input = (o: Partial<EvalInput> = {}): EvalInput => ({ rules: [rule()], conditions: [], reboots: [], failed: {}, firstSeen: {}, clearTimeoutMs: 15 * MIN, now: NOW, ...o });
const cond = (since: number, status = 'True', type = 'KernelDeadlock') => ({ type, status, lastTransitionTime: at(since) });

test('parseConditionRule: TYPE=STATUS[:for DURATION]', () => {
  assert.deepEqual(parseConditionRule('KernelDeadlock=True:for 5m'), { ok: true, value: rule() });
  assert.deepEqual(parseConditionRule(' FrequentContainerdRestart = false '), { ok: true, value: rule({ type: 'FrequentContainerdRestart', status: 'False', forMs: 0 }) });
  for (const bad of ['KernelDeadlock', '=True', 'A=True:5m', 'A B=True', 'Ready=False']) assert.equal(parseConditionRule(bad).ok, false, bad);
});

const cases: { name: string; i: EvalInput; trigger?: string; recheckAt?: number; cleared?: string[]; failed?: string[]; marked?: RegExp }[] = [
  { name: 'absent: nothing', i: input() },
  { name: 'other status: nothing', i: input({ conditions: [cond(NOW - 10 * MIN, 'False')] }) },
  { name: 'held long enough: trigger', i: input({ conditions: [cond(NOW - 5 * MIN)] }), trigger: 'KernelDeadlock' },
  { name: 'held too short: recheck when it will have held', i: input({ conditions: [cond(NOW - 2 * MIN)] }), recheckAt: NOW + 3 * MIN },
  { name: 'transition in the future (clock skew): counts from first seen', i: input({ conditions: [cond(NOW + 60 * MIN)], firstSeen: { 'KernelDeadlock=True': NOW - MIN } }), recheckAt: NOW + 4 * MIN },
  { name: 'future transition, seen long enough ago: trigger', i: input({ conditions: [cond(NOW + 60 * MIN)], firstSeen: { 'KernelDeadlock=True': NOW - 6 * MIN } }), trigger: 'KernelDeadlock' },
  { name: 'an urgent one is picked first', i: input({ rules: [rule({ forMs: 0 }), rule({ type: 'ReadonlyFilesystem', forMs: 0, urgent: true })], conditions: [cond(NOW), cond(NOW, 'True', 'ReadonlyFilesystem')] }), trigger: 'ReadonlyFilesystem' },
  { name: 'after its reboot, within the clear timeout: wait', i: input({ conditions: [cond(NOW - 60 * MIN)], reboots: [{ condition: 'KernelDeadlock=True', at: at(NOW - 5 * MIN) }] }), recheckAt: NOW + 10 * MIN },
  { name: 'after its reboot, re-raised at start-up: still the same problem', i: input({ conditions: [cond(NOW - 6 * MIN)], reboots: [{ condition: 'KernelDeadlock=True', at: at(NOW - 20 * MIN) }] }), failed: ['KernelDeadlock=True'], marked: /did not clear within 15m of the reboot/ },
  { name: 'after its reboot, cleared: record marked cleared', i: input({ conditions: [cond(NOW, 'False')], reboots: [{ condition: 'KernelDeadlock=True', at: at(NOW - 5 * MIN) }] }), cleared: ['KernelDeadlock=True'] },
  { name: 'cleared earlier, back again: a new episode', i: input({ conditions: [cond(NOW - 10 * MIN)], reboots: [{ condition: 'KernelDeadlock=True', at: at(NOW - 50 * MIN), cleared: true }] }), trigger: 'KernelDeadlock' },
  { name: 'marked failed: never again', i: input({ conditions: [cond(NOW - 10 * MIN)], failed: { 'KernelDeadlock=True': 'did not clear' } }), marked: /KernelDeadlock=True: did not clear/ },
  { name: 'unreadable mark: fail closed', i: input({ conditions: [cond(NOW - 10 * MIN)], failed: 'all' }), marked: /cannot be read/ },
];
for (const c of cases) {
  test(`conditions evaluate: ${c.name}`, () => {
    const e = evaluate(c.i);
    assert.equal(e.trigger?.rule.type, c.trigger);
    assert.equal(e.recheckAt, c.recheckAt);
    assert.deepEqual(e.cleared, c.cleared ?? []);
    assert.deepEqual(Object.keys(e.newlyFailed), c.failed ?? []);
    if (c.marked) assert.match(e.marked.join('\n'), c.marked);
    else assert.deepEqual(e.marked, []);
  });
}

const node = (name: string, conds: { type: string; status: string }[] = [], reboots?: { condition: string; at: string }[]): k8s.V1Node =>
  ({ metadata: { name, annotations: reboots ? { 'nodemend.dev/condition-reboots': JSON.stringify(reboots) } : {} }, status: { conditions: conds } }) as k8s.V1Node;
const cfg = { rules: [rule()], perHour: 2, maxShare: 0.3 };

test('stormCheck: share above the limit holds, at the limit does not', () => {
  const ten = (sick: number) => Array.from({ length: 10 }, (_, i) => node(`n${i}`, i < sick ? [{ type: 'KernelDeadlock', status: 'True' }] : []));
  assert.deepEqual(stormCheck(ten(3), cfg, NOW), { blocked: false });
  const v = stormCheck(ten(4), cfg, NOW);
  assert.ok(v.blocked && /4 of 10 nodes \(40%\) show KernelDeadlock=True, more than --condition-max-share=30%/.test(v.reason), JSON.stringify(v));
});

test('stormCheck: the hourly rate counts records of every node, within the hour', () => {
  const r = (m: number) => ({ condition: 'KernelDeadlock=True', at: at(NOW - m * MIN) });
  assert.deepEqual(stormCheck([node('a', [], [r(10), r(70)]), node('b')], cfg, NOW), { blocked: false });
  const v = stormCheck([node('a', [], [r(10), r(70)]), node('b', [], [r(30)])], cfg, NOW);
  assert.ok(v.blocked && v.reason.includes('2 in the last hour, --condition-reboots-per-hour=2; the next may start at 2026-12-06T12:30:00Z'), JSON.stringify(v));
});

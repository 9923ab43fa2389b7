import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentNodeState } from './model.ts';
import { triggerText } from './trigger.ts';

const st = (over: Partial<AgentNodeState>): AgentNodeState => ({ v: 1, phase: 'waiting-lock', reason: 'r', since: '2026-12-06T20:00:00Z', rebootRequired: true, agent: 'a', ...over }) as AgentNodeState;

test('a condition names itself, without the repeated prefix', () => {
  assert.equal(triggerText(st({ trigger: { kind: 'condition', detail: 'node condition KernelDeadlock=True since 2026-12-06T20:00:00Z' } })), 'a node condition: KernelDeadlock=True since 2026-12-06T20:00:00Z');
});

test('each kind reads as words; no detail, no colon', () => {
  assert.equal(triggerText(st({ trigger: { kind: 'sentinel', detail: '/var/run/reboot-required' } })), 'the reboot sentinel: /var/run/reboot-required');
  assert.equal(triggerText(st({ trigger: { kind: 'request' } })), "a person's request");
});

test('nothing when no reboot is required, no trigger is published, or the kind is unknown', () => {
  assert.equal(triggerText(st({ rebootRequired: false, trigger: { kind: 'sentinel' } })), undefined);
  assert.equal(triggerText(st({})), undefined);
  assert.equal(triggerText(undefined), undefined);
  assert.equal(triggerText(st({ trigger: { kind: 'telepathy' as never } })), undefined);
});

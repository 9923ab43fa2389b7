import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../../protocol/messages.ts';
import { node } from '../state/builders.ts';
import { nodeActions, nodeContextValue, whyNot, type Permissions } from './applicability.ts';
import type { Action } from './ids.ts';

const ALL: Permissions = { patchNodes: true, patchClusterBlock: true };
const NONE: Permissions = { patchNodes: false, patchClusterBlock: false };

const cases: { name: string; n: NodeView; perms?: Permissions; readOnly?: boolean; want: Action[] }[] = [
  { name: 'healthy node', n: node('a', { phase: 'healthy' }), want: ['history', 'schedule', 'force', 'block'] },
  { name: 'no agent state yet', n: node('a'), want: ['history', 'schedule', 'force', 'block'] },
  { name: 'draining: no new schedule or force', n: node('a', { phase: 'draining' }), want: ['history', 'block'] },
  { name: 'rebooting', n: node('a', { phase: 'rebooting' }), want: ['history', 'block'] },
  { name: 'verifying', n: node('a', { phase: 'verifying' }), want: ['history', 'block'] },
  { name: 'scheduled: cancel offered', n: node('a', { phase: 'scheduled', requests: { rebootAfter: '2026-11-24T22:00:00Z' } }), want: ['history', 'schedule', 'force', 'block', 'cancel'] },
  { name: 'force pending: no second force, cancel offered', n: node('a', { phase: 'waiting-lock', requests: { forceReboot: '2026-11-24T22:00:00Z' } }), want: ['history', 'schedule', 'block', 'cancel'] },
  { name: 'blocked: unblock instead of block', n: node('a', { phase: 'blocked', requests: { block: { reason: 'freeze' } } }), want: ['history', 'schedule', 'force', 'unblock'] },
  { name: 'read-only mode: history only', n: node('a', { phase: 'healthy' }), readOnly: true, want: ['history'] },
  { name: 'no patch permission: history only', n: node('a', { phase: 'healthy' }), perms: NONE, want: ['history'] },
];
for (const c of cases) {
  test(`nodeActions: ${c.name}`, () => assert.deepEqual(nodeActions(c.n, c.perms ?? ALL, c.readOnly ?? false), c.want));
}

test('nodeContextValue: kind token then can: tokens, matched by the when regex', () => {
  const v = nodeContextValue(['history', 'schedule']);
  assert.equal(v, 'nm:node can:history can:schedule');
  assert.match(v, /\bcan:schedule\b/);
  assert.doesNotMatch(v, /\bcan:force\b/);
});

const why: { n: NodeView; a: Action; perms?: Permissions; readOnly?: boolean; want: RegExp | undefined }[] = [
  { n: node('a', { phase: 'healthy' }), a: 'schedule', want: undefined },
  { n: node('a', { phase: 'draining' }), a: 'force', want: /a is already draining/ },
  { n: node('a'), a: 'unblock', want: /has no block/ },
  { n: node('a'), a: 'cancel', want: /no pending reboot request/ },
  { n: node('a'), a: 'schedule', readOnly: true, want: /read-only mode \(setting nodemend.readOnly\)/ },
  { n: node('a'), a: 'block', perms: NONE, want: /may not patch nodes/ },
];
for (const [i, c] of why.entries()) {
  test(`whyNot #${i}: ${c.a}`, () => {
    const r = whyNot(c.n, c.a, c.perms ?? ALL, c.readOnly ?? false);
    if (c.want === undefined) assert.equal(r, undefined);
    else assert.match(r ?? '', c.want);
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../../protocol/messages.ts';
import { node, state } from '../state/builders.ts';
import { md } from '../text/markdown.ts';
import { description, details, duration, tooltip } from './present.ts';

const fmt = (iso: string) => iso.slice(11, 16);

const desc: { name: string; n: NodeView; want: string }[] = [
  { name: 'healthy', n: node('a', { phase: 'healthy' }), want: 'healthy' },
  { name: 'healthy, with its last reboot', n: node('a', { phase: 'healthy', history: [{ start: '2026-11-24T20:00:00Z', end: '2026-11-24T20:04:00Z', outcome: 'succeeded' }] }), want: 'healthy · rebooted 20:04' },
  { name: 'healthy after a failed reboot', n: node('a', { phase: 'healthy', history: [{ start: '2026-11-24T20:00:00Z', end: '2026-11-24T20:04:00Z', outcome: 'failed' }] }), want: 'healthy · last reboot failed 20:04' },
  { name: 'no state', n: node('a'), want: 'no agent report' },
  { name: 'not ready', n: node('a', { phase: 'healthy', ready: false }), want: 'NotReady · healthy' },
  { name: 'not ready while rebooting is expected, not repeated', n: node('a', { phase: 'rebooting', ready: false }), want: 'rebooting' },
  { name: 'forced', n: node('a', { phase: 'rebooting', state: state('rebooting', { forced: true }) }), want: 'rebooting · forced' },
  { name: 'window', n: node('a', { phase: 'waiting-window', state: state('waiting-window', { nextWindow: '2026-11-25T02:00:00Z' }) }), want: 'waiting for window · opens 02:00' },
  { name: 'scheduled', n: node('a', { phase: 'scheduled', requests: { rebootAfter: '2026-11-24T22:00:00Z' } }), want: 'scheduled · after 22:00' },
  { name: 'blocked with reason', n: node('a', { phase: 'blocked', state: state('blocked', { reason: 'alert KubeNodeNotReady firing' }) }), want: 'blocked · alert KubeNodeNotReady firing' },
  { name: 'long reason is cut', n: node('a', { phase: 'failed', state: state('failed', { reason: 'x'.repeat(100) }) }), want: `failed · ${'x'.repeat(59)}…` },
  { name: 'cordoned by a person', n: node('a', { phase: 'healthy', unschedulable: true }), want: 'healthy · cordoned by someone else' },
  { name: 'a reboot request not yet acted on', n: node('a', { phase: 'healthy', requests: { rebootAfter: '2026-11-24T22:00:00Z' } }), want: 'healthy · reboot after 22:00' },
  { name: 'a force request not yet acted on', n: node('a', { phase: 'waiting-lock', requests: { forceReboot: '2026-11-24T22:00:00Z', rebootAfter: '2026-11-24T22:00:00Z' } }), want: 'waiting for lock · force requested' },
  { name: 'a force being acted on is not repeated', n: node('a', { phase: 'draining', state: state('draining', { forced: true }), requests: { forceReboot: '2026-11-24T22:00:00Z' } }), want: 'draining · forced' },
  { name: 'a block request on a node not (yet) blocked', n: node('a', { phase: 'healthy', requests: { block: { reason: 'quarterly close' } } }), want: 'healthy · block: quarterly close' },
  { name: 'cordoned by us is not called out', n: node('a', { phase: 'draining', unschedulable: true, cordonedByUs: true }), want: 'draining' },
];
for (const c of desc) test(`description: ${c.name}`, () => assert.equal(description(c.n, fmt), c.want));

test('tooltip: escapes cluster text and lists history newest first', () => {
  const n = node('evil*node', {
    phase: 'blocked',
    state: state('blocked', { reason: '[click](http://x)' }),
    history: [
      { start: '2026-11-24T20:00:00Z', end: '2026-11-24T20:04:03Z', outcome: 'succeeded' },
      { start: '2026-11-23T20:00:00Z', end: '2026-11-23T20:01:00Z', outcome: 'failed', reason: 'drain timeout' },
    ],
    requests: { block: { reason: 'freeze', until: '2026-11-30T00:00:00Z' } },
    requestErrors: ['nodemend.dev/reboot-after: expected an RFC3339 time'],
    zone: 'a',
  });
  const t = tooltip(n, fmt);
  assert.match(t, /\*\*evil\\\*node\*\*/);
  assert.match(t, /\\\[click\\\]\\\(http:\/\/x\\\)/);
  assert.match(t, /- 20:00: succeeded in 4m 3s\n- 20:00: failed in 1m 0s — drain timeout/);
  assert.match(t, /blocked: freeze \(until 00:00\)/);
  assert.match(t, /\$\(warning\) nodemend\\\.dev\/reboot\\-after/);
  assert.match(t, /zone a · Ready/);
});

test('duration and md helpers', () => {
  assert.deepEqual([duration(5_000), duration(243_000), duration(3_720_000)], ['5s', '4m 3s', '1h 2m']);
  assert.equal(md('a_b'), 'a\\_b');
});

test('the trigger of a pending reboot: in the tooltip and the details; none when no reboot is pending', () => {
  const trigger = { kind: 'condition' as const, detail: 'node condition KernelDeadlock=True since 2026-11-24T19:00:00Z (held 5m or longer)' };
  const n = node('a', { phase: 'blocked', state: state('blocked', { reason: 'blocked: condition-storm: condition storm', rebootRequired: true, blockedBy: ['condition-storm'], trigger }) });
  assert.match(tooltip(n, fmt), /Asked for by: a node condition: KernelDeadlock=True since 2026\\-11\\-24T19:00:00Z/);
  assert.match(tooltip(n, fmt), /Held by condition storm protection\.\*\* .*Force Reboot reboots this node anyway/);
  const d = details(n, fmt);
  assert.deepEqual(d.find((x) => x.key === 'trigger')?.description, 'a node condition: KernelDeadlock=True since 2026-11-24T19:00:00Z (held 5m or longer)');
  assert.ok(d.some((x) => x.key === 'hold:condition-storm'));
  const done = node('b', { phase: 'healthy', state: state('healthy', { rebootRequired: false, trigger }) });
  assert.equal(details(done, fmt).find((x) => x.key === 'trigger'), undefined);
});

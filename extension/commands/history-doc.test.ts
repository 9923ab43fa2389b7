import assert from 'node:assert/strict';
import { test } from 'node:test';
import { node } from '../state/builders.ts';
import { historyMarkdown } from './history-doc.ts';

const fmt = (iso: string) => iso.slice(0, 16).replace('T', ' ');

test('historyMarkdown: a table, newest first, pipes escaped', () => {
  const md = historyMarkdown(
    node('n-1', {
      phase: 'healthy',
      history: [
        { start: '2026-11-24T20:00:00Z', end: '2026-11-24T20:04:00Z', outcome: 'succeeded', drainMs: 60_000, rebootMs: 120_000, verifyMs: 60_000 },
        { start: '2026-11-20T20:00:00Z', end: '2026-11-20T20:01:00Z', outcome: 'failed', forced: true, reason: 'drain | timeout' },
      ],
    }),
    fmt,
  );
  const lines = md.trim().split('\n');
  assert.equal(lines[0], '# Reboot history of n-1');
  assert.match(md, /Now: \*\*healthy\*\* since 2026-11-24 20:00/);
  assert.equal(lines[6], '| 2026-11-24 20:00 | 2026-11-24 20:04 | succeeded | 4m 0s | 1m 0s | 2m 0s | 1m 0s |  |  |');
  assert.equal(lines[7], '| 2026-11-20 20:00 | 2026-11-20 20:01 | failed | 1m 0s |  |  |  | yes | drain \\| timeout |');
});

test('historyMarkdown: no agent, no reboots', () => {
  assert.equal(historyMarkdown(node('x'), fmt), '# Reboot history of x\n\nNow: no agent has reported for this node.\n\nNo reboots recorded yet.\n');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rolloutRows } from './markdown.ts';
import type { EventKind, TimelineEvent } from './stats.ts';

const ev = (node: string, kind: EventKind, t: number): TimelineEvent => ({ node, kind, t });
// Two nodes one after the other: 6.5 s of work each, 0.2 s handoff, 0.1 s detection.
const events = [
  ...['a', 'b'].flatMap((n) => [ev(n, 'sentinel', 0), ev(n, 'request', 100)]),
  ev('a', 'lock', 900), ev('a', 'cordon', 1000), ev('a', 'reboot', 2000), ev('a', 'ready', 7000), ev('a', 'uncordon', 7500), ev('a', 'release', 7600),
  ev('b', 'lock', 7700), ev('b', 'cordon', 7800), ev('b', 'reboot', 8800), ev('b', 'ready', 13800), ev('b', 'uncordon', 14300), ev('b', 'release', 14400),
];

test('rolloutRows: wall, ideal and their ratio for nodemend; detection, handoff and safety for both', () => {
  const rows = rolloutRows([
    { system: 'nodemend', settings: { concurrency: 1, periodSeconds: 10 }, completed: true, wallMs: 14400, events },
    { system: 'kured', settings: { concurrency: 1, periodSeconds: 60 }, completed: false, wallMs: 14400, events },
  ]).split('\n');
  assert.equal(rows.length, 4);
  assert.equal(rows[2], '| nodemend | 1 | 10 s | 14.4 | 13.0 | 1.11 | 0.10 / 0.10 | 0.20 / 0.20 | 1 |');
  assert.equal(rows[3], '| kured | 1 | 60 s | 14.4 (unfinished) | — | — | 0.10 / 0.10 | 0.20 / 0.20 | 1 |');
});

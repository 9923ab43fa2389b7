/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClock, formatDuration, formatRelative, formatUtc } from './format.ts';

const now = Date.parse('2026-11-24T20:00:00Z');

const durations: [number | undefined, string][] = [
  [undefined, '–'],
  [-5, '–'],
  [Number.NaN, '–'],
  [0, '0s'],
  [44_600, '45s'],
  [200_000, '3m 20s'],
  [3_600_000 + 5 * 60_000, '1h 05m'],
  [47 * 3_600_000, '47h 00m'],
  [76 * 3_600_000, '3d 4h'],
];
for (const [ms, want] of durations) test(`formatDuration(${ms}) = ${want}`, () => assert.equal(formatDuration(ms), want));

const relatives: [string | undefined, string][] = [
  [undefined, '–'],
  ['garbage', '–'],
  ['2026-11-24T20:00:00.400Z', 'now'],
  ['2026-11-24T19:56:40Z', '3m 20s ago'],
  ['2026-11-24T22:05:00Z', 'in 2h 05m'],
];
for (const [t, want] of relatives) test(`formatRelative(${t}) = ${want}`, () => assert.equal(formatRelative(t, now), want));

test('formatUtc is UTC whatever the input offset, and passes non-times through', () => {
  assert.equal(formatUtc('2026-11-24T23:30:00+01:00'), '2026-11-24 22:30 UTC');
  assert.equal(formatUtc('soon'), 'soon');
  assert.equal(formatUtc(undefined), '–');
  assert.equal(formatClock('2026-11-24T22:04:13Z'), '22:04:13');
});

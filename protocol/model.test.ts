import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthGateSince } from './model.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const ISSUED = NOW - 10 * 60_000;

// healthGateSince: only a plausible start of this reboot's gate is trusted; anything else restarts the gate.
const cases: [string, unknown, number | undefined][] = [
  ['a valid start after the reboot was issued', '2026-06-17T11:55:00Z', Date.parse('2026-06-17T11:55:00Z')],
  ['with milliseconds', '2026-06-17T11:55:00.250Z', Date.parse('2026-06-17T11:55:00.250Z')],
  ['before the reboot was issued: another reboot', '2026-06-17T11:49:59Z', undefined],
  ['in the future', '2026-06-17T12:00:01Z', undefined],
  ['not UTC', '2026-06-17T11:55:00+01:00', undefined],
  ['not a time', 'soon', undefined],
  ['a number', 1781697300000, undefined],
  ['absent', undefined, undefined],
];
for (const [name, raw, want] of cases) {
  test(`healthGateSince: ${name}`, () => assert.equal(healthGateSince({ healthGateSince: raw as string }, ISSUED, NOW), want));
}
test('healthGateSince: no state at all', () => assert.equal(healthGateSince(undefined, ISSUED, NOW), undefined));

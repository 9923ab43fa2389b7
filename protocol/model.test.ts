import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resumedSince, type ResumedMark } from './model.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const ISSUED = NOW - 10 * 60_000;

// resumedSince: only a plausible instant of this reboot is trusted; anything else starts that wait anew.
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
  test(`resumedSince: ${name}`, () => assert.equal(resumedSince({ healthGateSince: raw as string }, 'healthGateSince', ISSUED, NOW), want));
}
test('resumedSince: no state at all', () => assert.equal(resumedSince(undefined, 'healthGateSince', ISSUED, NOW), undefined));

test('resumedSince: each instant is read from its own field only', () => {
  const st = { healthGateSince: '2026-06-17T11:55:00Z', readySince: '2026-06-17T11:54:00Z', lockReleaseDelaySince: 'garbage' };
  const got = Object.fromEntries((['healthGateSince', 'readySince', 'lockReleaseDelaySince'] as ResumedMark[]).map((f) => [f, resumedSince(st, f, ISSUED, NOW)]));
  assert.deepEqual(got, { healthGateSince: Date.parse('2026-06-17T11:55:00Z'), readySince: Date.parse('2026-06-17T11:54:00Z'), lockReleaseDelaySince: undefined });
});

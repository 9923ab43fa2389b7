import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatWhen, parseUntil, parseWhen } from './time-input.ts';

// 2026-11-24 21:30 in Berlin (UTC+1 in winter).
const NOW = Date.parse('2026-11-24T20:30:00Z');
const Z = 'Europe/Berlin';

const ok: { in: string; zone?: string; now?: number; at: string }[] = [
  { in: 'now', at: '2026-11-24T20:30:00.000Z' },
  { in: ' NOW ', at: '2026-11-24T20:30:00.000Z' },
  { in: '+30m', at: '2026-11-24T21:00:00.000Z' },
  { in: 'in 2h', at: '2026-11-24T22:30:00.000Z' },
  { in: 'in 2 hours', at: '2026-11-24T22:30:00.000Z' },
  { in: '1d', at: '2026-11-25T20:30:00.000Z' },
  { in: '45 minutes', at: '2026-11-24T21:15:00.000Z' },
  { in: '22:00', at: '2026-11-24T21:00:00.000Z' },
  // Already past today in Berlin: tomorrow.
  { in: '21:00', at: '2026-11-25T20:00:00.000Z' },
  { in: '7:05', at: '2026-11-25T06:05:00.000Z' },
  { in: 'tomorrow 03:00', at: '2026-11-25T02:00:00.000Z' },
  { in: '2026-11-24 23:15', at: '2026-11-24T22:15:00.000Z' },
  { in: '2026-11-24T23:15', at: '2026-11-24T22:15:00.000Z' },
  { in: '2026-11-24 23:15:30', at: '2026-11-24T22:15:30.000Z' },
  { in: '2026-11-24T22:00:00Z', at: '2026-11-24T22:00:00.000Z' },
  { in: '2026-11-25T01:00:00+05:00', at: '2026-11-24T20:00:00.000Z', now: Date.parse('2026-11-24T19:00:00Z') },
  // Same typed clock time, other zone.
  { in: '22:00', zone: 'America/New_York', at: '2026-11-25T03:00:00.000Z' },
  // Across the spring DST change in Berlin (2027-03-28 02:00 -> 03:00): 04:00 local is UTC+2.
  { in: '2027-03-28 04:00', at: '2027-03-28T02:00:00.000Z' },
  // A minute ago still counts (typing takes time).
  { in: '2026-11-24T20:29:30Z', at: '2026-11-24T20:29:30.000Z' },
];
for (const c of ok) {
  test(`parseWhen accepts ${JSON.stringify(c.in)}${c.zone ? ` in ${c.zone}` : ''}`, () => {
    const r = parseWhen(c.in, c.now ?? NOW, c.zone ?? Z);
    assert.ok(r.ok, r.ok ? '' : r.error);
    if (r.ok) assert.equal(new Date(r.at).toISOString(), c.at);
  });
}

const bad: { in: string; error: RegExp }[] = [
  { in: '', error: /Empty time/ },
  { in: 'soon', error: /"soon" is not a time nodemend understands/ },
  { in: '25:00', error: /not a time of day/ },
  { in: '12:60', error: /not a time of day/ },
  { in: 'tomorrow', error: /after "tomorrow" give a time of day/ },
  { in: '2026-11-24T10:00:00Z', error: /in the past/ },
  { in: '2026-02-30 10:00', error: /not a time nodemend understands/ },
  { in: '2028-01-01 00:00', error: /more than a year ahead/ },
  { in: '+99999d', error: /more than a year ahead/ },
];
for (const c of bad) {
  test(`parseWhen refuses ${JSON.stringify(c.in)}`, () => {
    const r = parseWhen(c.in, NOW, Z);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.error, c.error);
      assert.match(r.error, /Type a time such as now, \+30m/, 'every error lists the accepted forms');
    }
  });
}

test('parseUntil: empty means until removed; now is refused; a time is taken', () => {
  assert.deepEqual(parseUntil('  ', NOW, Z), { ok: true });
  assert.equal(parseUntil('now', NOW, Z).ok, false);
  const r = parseUntil('+2h', NOW, Z);
  assert.ok(r.ok && r.at === NOW + 7200_000);
});

test('formatWhen shows local time with its offset', () => {
  assert.equal(formatWhen(Date.parse('2026-11-24T21:00:00Z'), Z), '2026-11-24 22:00 +01:00');
});

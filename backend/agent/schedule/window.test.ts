import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inWindow, nextWindowStart, windowEnd, windowState, type Window } from './window.ts';
import { kuredWindow, parseCronWindow, parseWindow } from './parse.ts';

const Z = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));

function win(spec: string, zone = 'UTC'): Window {
  const r = spec.startsWith('cron ') ? parseCronWindow('--window-cron', spec.slice(5), 3_600_000, zone) : parseWindow('--window', spec, zone);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
const ALL = new Set([0, 1, 2, 3, 4, 5, 6]);
const MON_FRI = new Set([1, 2, 3, 4, 5]);

// 2026-03-29 and 2026-10-25 are the EU DST Sundays; 2026-03-08 and 2026-11-01 the US ones.
const cases: { name: string; windows: Window[]; at: string; open: boolean; closes?: string; opens?: string }[] = [
  // Across midnight, end inclusive to the second.
  { name: 'wrap: late evening is in', windows: [win('22:00-06:00')], at: '2026-06-10T23:00:00Z', open: true, closes: '2026-06-11T06:00:01Z' },
  { name: 'wrap: early morning is in', windows: [win('22:00-06:00')], at: '2026-06-11T05:59:59Z', open: true, closes: '2026-06-11T06:00:01Z' },
  { name: 'wrap: end second is inclusive', windows: [win('22:00-06:00')], at: '2026-06-11T06:00:00Z', open: true },
  { name: 'wrap: one second after the end is out', windows: [win('22:00-06:00')], at: '2026-06-11T06:00:01Z', open: false, opens: '2026-06-11T22:00:00Z' },
  { name: 'start is inclusive', windows: [win('22:00-06:00')], at: '2026-06-11T22:00:00Z', open: true },
  { name: 'one second before start is out', windows: [win('22:00-06:00')], at: '2026-06-11T21:59:59Z', open: false, opens: '2026-06-11T22:00:00Z' },
  { name: 'no wrap: inside', windows: [win('09:00-17:30')], at: '2026-06-11T12:00:00Z', open: true, closes: '2026-06-11T17:30:01Z' },
  { name: '24:00 end reaches midnight', windows: [win('sat 20:00-24:00')], at: '2026-06-13T23:59:59Z', open: true, closes: '2026-06-14T00:00:00Z' },
  // Weekdays: --window's days are the days a window opens.
  { name: 'friday night into saturday morning is in', windows: [win('mon-fri 22:00-06:00 Europe/Berlin')], at: '2026-06-13T03:00:00Z', open: true, closes: '2026-06-13T04:00:01Z' },
  { name: 'saturday night is out, opens monday 22:00 Berlin', windows: [win('mon-fri 22:00-06:00 Europe/Berlin')], at: '2026-06-13T21:00:00Z', open: false, opens: '2026-06-15T20:00:00Z' },
  { name: 'monday early morning (sunday night) is out', windows: [win('mon-fri 22:00-06:00 Europe/Berlin')], at: '2026-06-15T02:00:00Z', open: false, opens: '2026-06-15T20:00:00Z' },
  { name: 'range wrapping over sunday', windows: [win('fri-mon 10:00-11:00')], at: '2026-06-14T10:30:00Z', open: true },
  { name: 'numeric days: 0 is sunday', windows: [win('0 10:00-11:00')], at: '2026-06-14T10:30:00Z', open: true },
  { name: 'numeric days: tuesday excluded', windows: [win('0,1,3-6 10:00-11:00')], at: '2026-06-16T10:30:00Z', open: false, opens: '2026-06-17T10:00:00Z' },
  // Kured semantics: the day of the moment tested.
  { name: 'kured: monday early morning is in', windows: [kuredWindow(MON_FRI, 22 * 3600, 6 * 3600, 'Europe/Berlin', 'k')], at: '2026-06-15T02:00:00Z', open: true, closes: '2026-06-15T04:00:01Z' },
  { name: 'kured: saturday early morning is out', windows: [kuredWindow(MON_FRI, 22 * 3600, 6 * 3600, 'Europe/Berlin', 'k')], at: '2026-06-13T03:00:00Z', open: false, opens: '2026-06-14T22:00:00Z' },
  { name: 'kured: tuesday night joins wednesday morning', windows: [kuredWindow(MON_FRI, 22 * 3600, 6 * 3600, 'UTC', 'k')], at: '2026-06-16T23:00:00Z', open: true, closes: '2026-06-17T06:00:01Z' },
  { name: 'kured default (all day, every day) never closes', windows: [kuredWindow(ALL, 0, 86_399, 'UTC', 'k')], at: '2026-06-16T23:00:00Z', open: true, closes: undefined },
  // DST, Europe/Berlin.
  { name: 'spring forward: 01:00-04:00 is 2 h long', windows: [win('sun 01:00-04:00 Europe/Berlin')], at: '2026-03-29T01:30:00Z', open: true, closes: '2026-03-29T02:00:01Z' },
  { name: 'spring forward: start in the gap opens at the jump', windows: [win('sun 02:30-05:00 Europe/Berlin')], at: '2026-03-29T00:00:00Z', open: false, opens: '2026-03-29T01:00:00Z' },
  { name: 'spring forward: 22:00-06:00 night is 7 h', windows: [win('sat 22:00-06:00 Europe/Berlin')], at: '2026-03-28T21:00:00Z', open: true, closes: '2026-03-29T04:00:01Z' },
  { name: 'fall back: 01:00-04:00 is 3 h long, after the repeated hour', windows: [win('sun 01:00-04:00 Europe/Berlin')], at: '2026-10-25T02:30:00Z', open: true, closes: '2026-10-25T03:00:01Z' },
  { name: 'fall back: 01:00-04:00 is closed in the repeated hour', windows: [win('sun 01:00-04:00 Europe/Berlin')], at: '2026-10-25T01:30:00Z', open: false, opens: '2026-10-25T02:00:00Z' },
  { name: 'fall back: opens at 01:00 CEST', windows: [win('sun 01:00-04:00 Europe/Berlin')], at: '2026-10-24T22:00:00Z', open: false, opens: '2026-10-24T23:00:00Z' },
  { name: 'fall back: 22:00-06:00 night closes for the repeated hour', windows: [win('sat 22:00-06:00 Europe/Berlin')], at: '2026-10-24T20:00:00Z', open: true, closes: '2026-10-25T01:00:00Z' },
  // DST, America/New_York.
  { name: 'NY spring forward night', windows: [win('sat 22:00-06:00 America/New_York')], at: '2026-03-08T05:00:00Z', open: true, closes: '2026-03-08T10:00:01Z' },
  { name: 'NY fall back night closes for the repeated hour', windows: [win('sat 22:00-06:00 America/New_York')], at: '2026-11-01T05:00:00Z', open: true, closes: '2026-11-01T06:00:00Z' },
  { name: 'NY fall back night after the repeated hour', windows: [win('sat 22:00-06:00 America/New_York')], at: '2026-11-01T07:00:00Z', open: true, closes: '2026-11-01T11:00:01Z' },
  { name: 'NY next opening after fall back uses EST', windows: [win('sat 22:00-06:00 America/New_York')], at: '2026-11-01T12:00:00Z', open: false, opens: '2026-11-08T03:00:00Z' },
  // Several windows: their union.
  { name: 'union: touching windows close together', windows: [win('mon 01:00-02:00'), win('mon 02:00-03:00')], at: '2026-06-15T01:30:00Z', open: true, closes: '2026-06-15T03:00:01Z' },
  { name: 'union: the earliest next opening', windows: [win('sat 02:00-04:00'), win('wed 23:00-23:30')], at: '2026-06-17T12:00:00Z', open: false, opens: '2026-06-17T23:00:00Z' },
  { name: 'union: open in the second window only', windows: [win('sat 02:00-04:00'), win('wed 23:00-23:30')], at: '2026-06-20T03:00:00Z', open: true, closes: '2026-06-20T04:00:01Z' },
  { name: 'union: zones differ', windows: [win('sat 02:00-04:00 Asia/Tokyo'), win('sat 02:00-04:00 America/New_York')], at: '2026-06-19T18:00:00Z', open: true, closes: '2026-06-19T19:00:01Z' },
  // Cron windows.
  { name: 'cron: inside', windows: [win('cron 0 2 * * sat for 4h')], at: '2026-06-20T03:00:00Z', open: true, closes: '2026-06-20T06:00:00Z' },
  { name: 'cron: exactly at the start', windows: [win('cron 0 2 * * sat for 4h')], at: '2026-06-20T02:00:00Z', open: true },
  { name: 'cron: end is exclusive', windows: [win('cron 0 2 * * sat for 4h')], at: '2026-06-20T06:00:00Z', open: false, opens: '2026-06-27T02:00:00Z' },
  { name: 'cron: default duration (1 h here)', windows: [win('cron 0 2 * * sat')], at: '2026-06-20T02:59:59Z', open: true, closes: '2026-06-20T03:00:00Z' },
  { name: 'cron: overlapping runs chain', windows: [win('cron 0 * * * * for 90m')], at: '2026-06-20T02:10:00Z', open: true, closes: undefined },
  { name: 'cron: Berlin time zone', windows: [win('cron 0 2 1 * * for 2h Europe/Berlin')], at: '2026-06-30T12:00:00Z', open: false, opens: '2026-07-01T00:00:00Z' },
  { name: 'cron: start in the DST gap runs after it', windows: [win('cron 30 2 * * * for 1h Europe/Berlin')], at: '2026-03-29T00:00:00Z', open: false, opens: '2026-03-29T01:00:00Z' },
  { name: 'cron and weekly union chain', windows: [win('cron 0 2 * * sat for 2h'), win('sat 04:00-05:00')], at: '2026-06-20T02:30:00Z', open: true, closes: '2026-06-20T05:00:01Z' },
  // No window at all: never open (config always supplies one; fail closed if it did not).
  { name: 'empty list is never open', windows: [], at: '2026-06-20T02:30:00Z', open: false, opens: undefined },
];

for (const c of cases) {
  test(`window: ${c.name}`, () => {
    const now = Z(c.at);
    const s = windowState(c.windows, now);
    assert.equal(s.open, c.open, 'open');
    assert.equal(inWindow(c.windows, now), c.open, 'inWindow');
    if (c.open) {
      assert.equal(iso(nextWindowStart(c.windows, now)), iso(now), 'nextWindowStart is now when open');
      if ('closes' in c) assert.equal(iso(windowEnd(c.windows, now)), c.closes, 'windowEnd');
    } else {
      assert.equal(windowEnd(c.windows, now), undefined);
      if ('opens' in c) {
        assert.equal(iso(nextWindowStart(c.windows, now)), c.opens, 'nextWindowStart');
        if (c.opens) assert.ok(inWindow(c.windows, Z(c.opens)), 'open at the announced start');
      }
    }
  });
}

test('window: the announced opening is the first open second (scan check)', () => {
  const ws = [win('tue,thu 23:30-00:30 Europe/Berlin'), win('cron 15 4 * * * for 10m America/New_York')];
  let t = Z('2026-03-27T00:00:00Z');
  for (let i = 0; i < 40; i++) {
    const open = nextWindowStart(ws, t)!;
    assert.ok(inWindow(ws, open));
    assert.ok(!inWindow(ws, open - 1000), `closed just before ${iso(open)}`);
    const end = windowEnd(ws, open)!;
    assert.ok(!inWindow(ws, end) && inWindow(ws, end - 1000), `closes at ${iso(end)}`);
    t = end;
  }
});

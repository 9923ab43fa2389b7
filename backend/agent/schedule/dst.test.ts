// The DST rules of reboot windows (window.ts), night by night, in zones of both hemispheres, with
// a 30-minute DST (Lord Howe) and without DST (Kolkata, +5:30). Instants are written in local
// time with the offset shown, so "+02:00" and "+01:00" tell the two showings of a repeated hour
// apart. 2026 transitions:
//   Europe/Berlin        spring 03-29 02:00 -> 03:00   fall 10-25 03:00 -> 02:00 (repeat 02:00-03:00)
//   America/New_York     spring 03-08 02:00 -> 03:00   fall 11-01 02:00 -> 01:00 (repeat 01:00-02:00)
//   Australia/Sydney     fall 04-05 03:00 -> 02:00     spring 10-04 02:00 -> 03:00
//   Australia/Lord_Howe  fall 04-05 02:00 -> 01:30     spring 10-04 02:00 -> 02:30
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inWindow, windowState, type Window } from './window.ts';
import { kuredWindow, parseCronWindow, parseWindow } from './parse.ts';

function win(spec: string): Window {
  const r = spec.startsWith('cron ') ? parseCronWindow('--window-cron', spec.slice(5), 3_600_000, 'UTC') : parseWindow('--window', spec, 'UTC');
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (s: string) => {
  const ms = Date.parse(s);
  assert.ok(!Number.isNaN(ms), s);
  return ms;
};

interface Case {
  zone: string;
  name: string;
  window: string | Window;
  at: string;
  /** Open at `at`, closing then; or closed, opening then. */
  closes?: string;
  opens?: string;
}

const cases: Case[] = [
  // Europe/Berlin, fall back: 02:00-03:00 is shown twice, only the first (+02:00) counts.
  { zone: 'Europe/Berlin', name: 'fall back: window inside the repeated hour, first showing is in', window: 'sun 02:15-02:45 Europe/Berlin', at: '2026-10-25T02:30+02:00', closes: '2026-10-25T02:45:01+02:00' },
  { zone: 'Europe/Berlin', name: 'fall back: window inside the repeated hour, second showing is out', window: 'sun 02:15-02:45 Europe/Berlin', at: '2026-10-25T02:30+01:00', opens: '2026-11-01T02:15+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: a one-hour window on the repeated hour lasts one hour', window: 'sun 02:00-02:59 Europe/Berlin', at: '2026-10-25T02:30+01:00', opens: '2026-11-01T02:00+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: between the showings the next opening is next week', window: 'sun 02:15-02:45 Europe/Berlin', at: '2026-10-25T02:50+02:00', opens: '2026-11-01T02:15+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: before the window it opens at its first showing', window: 'sun 02:15-02:45 Europe/Berlin', at: '2026-10-25T01:59+02:00', opens: '2026-10-25T02:15+02:00' },
  { zone: 'Europe/Berlin', name: 'fall back: a night window closes for the second showing', window: 'sat 22:00-06:00 Europe/Berlin', at: '2026-10-24T22:00+02:00', closes: '2026-10-25T03:00+02:00' },
  { zone: 'Europe/Berlin', name: 'fall back: a night window reopens after the second showing', window: 'sat 22:00-06:00 Europe/Berlin', at: '2026-10-25T02:30+01:00', opens: '2026-10-25T03:00+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: a night window lasts its wall-clock 8 h', window: 'sat 22:00-06:00 Europe/Berlin', at: '2026-10-25T03:00+01:00', closes: '2026-10-25T06:00:01+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: end in the repeated hour ends at its first showing', window: 'sun 01:00-02:30 Europe/Berlin', at: '2026-10-25T01:30+02:00', closes: '2026-10-25T02:30:01+02:00' },
  { zone: 'Europe/Berlin', name: 'fall back: start in the repeated hour, open until the repeat', window: 'sun 02:30-04:00 Europe/Berlin', at: '2026-10-25T02:45+02:00', closes: '2026-10-25T03:00+02:00' },
  { zone: 'Europe/Berlin', name: 'fall back: start in the repeated hour, rest after the repeat', window: 'sun 02:30-04:00 Europe/Berlin', at: '2026-10-25T02:45+01:00', opens: '2026-10-25T03:00+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: Kured day semantics follow the same rule', window: kuredWindow(new Set([0]), 22 * 3600, 6 * 3600, 'Europe/Berlin', 'k'), at: '2026-10-25T02:30+01:00', opens: '2026-10-25T03:00+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: cron window, first showing', window: 'cron 30 2 * * * for 1h Europe/Berlin', at: '2026-10-25T02:45+02:00', closes: '2026-10-25T03:00+02:00' },
  { zone: 'Europe/Berlin', name: 'fall back: cron window does not run again in the second showing', window: 'cron 30 2 * * * for 1h Europe/Berlin', at: '2026-10-25T02:40+01:00', opens: '2026-10-25T03:00+01:00' },
  { zone: 'Europe/Berlin', name: 'fall back: cron window after the repeat, to its wall-clock end', window: 'cron 30 2 * * * for 1h Europe/Berlin', at: '2026-10-25T03:00+01:00', closes: '2026-10-25T03:30+01:00' },
  // Europe/Berlin, spring forward: 02:00-03:00 is never shown.
  { zone: 'Europe/Berlin', name: 'spring forward: a window wholly in the gap does not open that night', window: 'sun 02:10-02:40 Europe/Berlin', at: '2026-03-29T01:30+01:00', opens: '2026-04-05T02:10+02:00' },
  { zone: 'Europe/Berlin', name: 'spring forward: end in the gap ends at the gap', window: 'sun 01:00-02:30 Europe/Berlin', at: '2026-03-29T01:30+01:00', closes: '2026-03-29T03:00+02:00' },
  { zone: 'Europe/Berlin', name: 'spring forward: start in the gap opens at the jump', window: 'sun 02:30-05:00 Europe/Berlin', at: '2026-03-29T01:30+01:00', opens: '2026-03-29T03:00+02:00' },
  { zone: 'Europe/Berlin', name: 'spring forward: start in the gap, open to its end', window: 'sun 02:30-05:00 Europe/Berlin', at: '2026-03-29T03:00+02:00', closes: '2026-03-29T05:00:01+02:00' },
  { zone: 'Europe/Berlin', name: 'spring forward: a night window is 7 h', window: 'sat 22:00-06:00 Europe/Berlin', at: '2026-03-28T22:00+01:00', closes: '2026-03-29T06:00:01+02:00' },
  { zone: 'Europe/Berlin', name: 'spring forward: cron window wholly in the gap does not open', window: 'cron 30 2 * * * for 20m Europe/Berlin', at: '2026-03-29T00:00+01:00', opens: '2026-03-30T02:30+02:00' },
  { zone: 'Europe/Berlin', name: 'spring forward: cron duration is wall-clock time', window: 'cron 0 0 * * sun for 4h Europe/Berlin', at: '2026-03-29T00:30+01:00', closes: '2026-03-29T04:00+02:00' },
  // America/New_York: the repeated hour is 01:00-02:00 (EDT, then EST).
  { zone: 'America/New_York', name: 'fall back: first showing is in', window: 'sun 01:15-01:45 America/New_York', at: '2026-11-01T01:30-04:00', closes: '2026-11-01T01:45:01-04:00' },
  { zone: 'America/New_York', name: 'fall back: second showing is out', window: 'sun 01:15-01:45 America/New_York', at: '2026-11-01T01:30-05:00', opens: '2026-11-08T01:15-05:00' },
  { zone: 'America/New_York', name: 'fall back: night window closes for the repeat', window: 'sat 22:00-06:00 America/New_York', at: '2026-10-31T23:00-04:00', closes: '2026-11-01T01:00-05:00' },
  { zone: 'America/New_York', name: 'fall back: night window reopens at 02:00 EST', window: 'sat 22:00-06:00 America/New_York', at: '2026-11-01T01:30-05:00', opens: '2026-11-01T02:00-05:00' },
  { zone: 'America/New_York', name: 'spring forward: wholly in the gap', window: 'sun 02:00-02:59 America/New_York', at: '2026-03-08T01:00-05:00', opens: '2026-03-15T02:00-04:00' },
  { zone: 'America/New_York', name: 'spring forward: end in the gap', window: 'sun 01:30-02:30 America/New_York', at: '2026-03-08T01:45-05:00', closes: '2026-03-08T03:00-04:00' },
  // Australia/Sydney (southern hemisphere): falls back in April, springs forward in October.
  { zone: 'Australia/Sydney', name: 'fall back: first showing is in', window: 'sun 02:15-02:45 Australia/Sydney', at: '2026-04-05T02:30+11:00', closes: '2026-04-05T02:45:01+11:00' },
  { zone: 'Australia/Sydney', name: 'fall back: second showing is out', window: 'sun 02:15-02:45 Australia/Sydney', at: '2026-04-05T02:30+10:00', opens: '2026-04-12T02:15+10:00' },
  { zone: 'Australia/Sydney', name: 'spring forward: wholly in the gap', window: 'sun 02:15-02:45 Australia/Sydney', at: '2026-10-04T01:30+10:00', opens: '2026-10-11T02:15+11:00' },
  { zone: 'Australia/Sydney', name: 'spring forward: end in the gap', window: 'sun 01:00-02:30 Australia/Sydney', at: '2026-10-04T01:30+10:00', closes: '2026-10-04T03:00+11:00' },
  { zone: 'Australia/Sydney', name: 'spring forward: a night window is 7 h', window: 'sat 22:00-06:00 Australia/Sydney', at: '2026-10-03T22:00+10:00', closes: '2026-10-04T06:00:01+11:00' },
  // Australia/Lord_Howe: a 30-minute DST (+10:30 / +11:00).
  { zone: 'Australia/Lord_Howe', name: 'fall back: first showing of 01:30-02:00 is in', window: 'sun 01:40-01:50 Australia/Lord_Howe', at: '2026-04-05T01:45+11:00', closes: '2026-04-05T01:50:01+11:00' },
  { zone: 'Australia/Lord_Howe', name: 'fall back: second showing is out', window: 'sun 01:40-01:50 Australia/Lord_Howe', at: '2026-04-05T01:45+10:30', opens: '2026-04-12T01:40+10:30' },
  { zone: 'Australia/Lord_Howe', name: 'fall back: a longer window closes for the half-hour repeat', window: 'sun 01:00-03:00 Australia/Lord_Howe', at: '2026-04-05T01:15+11:00', closes: '2026-04-05T02:00+11:00' },
  { zone: 'Australia/Lord_Howe', name: 'fall back: and reopens after it', window: 'sun 01:00-03:00 Australia/Lord_Howe', at: '2026-04-05T01:45+10:30', opens: '2026-04-05T02:00+10:30' },
  { zone: 'Australia/Lord_Howe', name: 'spring forward: wholly in the half-hour gap', window: 'sun 02:05-02:25 Australia/Lord_Howe', at: '2026-10-04T01:00+10:30', opens: '2026-10-11T02:05+11:00' },
  { zone: 'Australia/Lord_Howe', name: 'spring forward: end in the gap', window: 'sun 01:30-02:15 Australia/Lord_Howe', at: '2026-10-04T01:45+10:30', closes: '2026-10-04T02:30+11:00' },
  { zone: 'Australia/Lord_Howe', name: 'spring forward: start in the gap opens at the jump', window: 'sun 02:15-04:00 Australia/Lord_Howe', at: '2026-10-04T01:45+10:30', opens: '2026-10-04T02:30+11:00' },
  // Asia/Kolkata: no DST, +5:30; the EU and US transition nights change nothing.
  { zone: 'Asia/Kolkata', name: 'no DST: inside on the EU fall-back night', window: 'sun 02:15-02:45 Asia/Kolkata', at: '2026-10-25T02:30+05:30', closes: '2026-10-25T02:45:01+05:30' },
  { zone: 'Asia/Kolkata', name: 'no DST: a night window is 8 h', window: 'sat 22:00-06:00 Asia/Kolkata', at: '2026-03-28T22:00+05:30', closes: '2026-03-29T06:00:01+05:30' },
  { zone: 'Asia/Kolkata', name: 'no DST: opens at its local start', window: 'sat 22:00-06:00 Asia/Kolkata', at: '2026-10-31T21:59+05:30', opens: '2026-10-31T22:00+05:30' },
];

for (const c of cases) {
  test(`DST ${c.zone}: ${c.name}`, () => {
    const w = typeof c.window === 'string' ? win(c.window) : c.window;
    const now = at(c.at);
    const s = windowState([w], now);
    assert.equal(inWindow([w], now), c.closes !== undefined, 'inWindow');
    if (c.closes !== undefined) {
      assert.deepEqual(s, { open: true, closesAt: at(c.closes) }, `open, closing ${c.closes}`);
      assert.ok(!inWindow([w], at(c.closes)), 'closed at the announced end');
    } else {
      assert.equal(s.open, false, 'closed');
      assert.equal(iso(s.open ? undefined : s.opensAt), iso(at(c.opens!)), 'opens');
      assert.ok(inWindow([w], at(c.opens!)), 'open at the announced opening');
      assert.ok(!inWindow([w], at(c.opens!) - 1000), 'closed just before it');
    }
  });
}

test('DST: no instant of a window wholly in the gap is open (scan of the night, every second)', () => {
  const w = win('sun 02:10-02:40 Europe/Berlin');
  for (let t = at('2026-03-29T01:50+01:00'); t < at('2026-03-29T03:20+02:00'); t += 1000) assert.ok(!inWindow([w], t), new Date(t).toISOString());
});

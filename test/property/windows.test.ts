// Property test of the reboot windows' DST rules (backend/agent/schedule/window.ts) against a
// brute-force model: walk the instants minute by minute across a daylight-saving transition, read
// the local time of each with Intl (not luxon, which the code uses), and call an instant inside
// when its local time is inside a window and was not shown before (a repeated hour counts once).
// The code must agree at every minute, and its announced opening and closing must be the minutes
// where the walk sees the state change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { inWindow, windowState, type Window } from '../../backend/agent/schedule/window.ts';
import { kuredWindow, parseCronWindow, parseWindow } from '../../backend/agent/schedule/parse.ts';
import { check } from './support.ts';

const MIN = 60_000;
const DAY = 1440;
/** Each zone with instants of its 2026 transitions (both directions) and one no-DST zone. */
const ZONES: Record<string, string[]> = {
  'Europe/Berlin': ['2026-03-29T01:00Z', '2026-10-25T01:00Z'],
  'America/New_York': ['2026-03-08T07:00Z', '2026-11-01T06:00Z'],
  'Australia/Sydney': ['2026-04-04T16:00Z', '2026-10-03T16:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00Z', '2026-10-03T15:30Z'],
  'America/Santiago': ['2026-04-05T03:00Z', '2026-09-06T04:00Z'], // at local midnight
  'Asia/Kolkata': ['2026-03-29T01:00Z'],
};

/** Local wall time of an instant as minutes since 1970-01-01 local, and its weekday, from Intl alone. */
const formats = new Map<string, Intl.DateTimeFormat>();
function local(zone: string, t: number): { minute: number; weekday: number; ofDay: number } {
  let f = formats.get(zone);
  if (!f) formats.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })));
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  const days = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day)) / 86_400_000;
  const ofDay = Number(p.hour) * 60 + Number(p.minute);
  return { minute: days * DAY + ofDay, weekday: (days + 4) % 7, ofDay };
}

interface Weekly { kind: 'weekly'; days: number[]; start: number; end: number; anchor: 'open' | 'clock' }
interface CronSpec { kind: 'cron'; minute: number; hour: number; days: number[]; duration: number }
type Spec = Weekly | CronSpec;

/** Whether local minute `m` (with its weekday and minute of day) is inside the window, by wall time alone. */
function modelInside(s: Spec, m: number, weekday: number, ofDay: number): boolean {
  if (s.kind === 'cron') {
    for (let k = 0; k < s.duration; k++) {
      const start = m - k;
      const sd = ((start % DAY) + DAY) % DAY;
      const swd = (((Math.floor(start / DAY) + 4) % 7) + 7) % 7;
      if (sd === s.hour * 60 + s.minute && s.days.includes(swd)) return true;
    }
    return false;
  }
  const has = (d: number) => s.days.includes(((d % 7) + 7) % 7);
  const wraps = s.end < s.start;
  if (s.anchor === 'clock') return has(weekday) && (wraps ? ofDay >= s.start || ofDay <= s.end : ofDay >= s.start && ofDay <= s.end);
  if (!wraps) return has(weekday) && ofDay >= s.start && ofDay <= s.end;
  return (has(weekday) && ofDay >= s.start) || (has(weekday - 1) && ofDay <= s.end);
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function build(s: Spec, zone: string): Window {
  if (s.kind === 'cron') {
    const r = parseCronWindow('--window-cron', `${s.minute} ${s.hour} * * ${s.days.join(',')} for ${s.duration}m ${zone}`, MIN, 'UTC');
    if (!r.ok) throw new Error(r.error);
    return r.value;
  }
  if (s.anchor === 'clock') return kuredWindow(new Set(s.days), s.start * 60, s.end * 60, zone, 'kured');
  const r = parseWindow('--window', `${s.days.join(',')} ${hhmm(s.start)}-${hhmm(s.end)} ${zone}`, 'UTC');
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Times cluster around the transition hours (00:00-04:00) so gaps and repeats are hit often. */
const minuteOfDay = fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 240 }), fc.integer({ min: 100, max: 200 }));
const days: fc.Arbitrary<number[]> = fc.oneof(fc.constant<number[]>([0, 1, 2, 3, 4, 5, 6]), fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }).map((d) => d.sort()));
const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constant('weekly' as const), days, start: minuteOfDay, end: minuteOfDay, anchor: fc.constantFrom('open' as const, 'clock' as const) }).filter((w) => w.start !== w.end),
  fc.record({ kind: fc.constant('cron' as const), minute: fc.integer({ min: 0, max: 59 }), hour: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 })), days, duration: fc.integer({ min: 1, max: 150 }) }),
);

test('reboot windows agree with a minute-by-minute walk of local time across DST transitions', (t) => {
  const zoneAt = fc.constantFrom(...Object.entries(ZONES).flatMap(([z, ts]) => ts.map((x) => [z, Date.parse(x)] as const)));
  const stats = { minutes: 0, open: 0, repeats: 0 };
  check(t, fc.property(zoneAt, fc.array(spec, { minLength: 1, maxLength: 2 }), fc.integer({ min: -14 * 60, max: 2 * 60 }), ([zone, transition], specs, startMin) => {
    const windows = specs.map((s) => build(s, zone));
    const from = transition + startMin * MIN;
    const steps = 16 * 60;
    // What the walk shows: shown[i] is the model's answer at from + i minutes.
    let latest = local(zone, from - 6 * 60 * MIN).minute;
    for (let x = from - 6 * 60 * MIN; x < from; x += MIN) latest = Math.max(latest, local(zone, x).minute);
    const shown: boolean[] = [];
    for (let i = 0; i <= steps; i++) {
      const l = local(zone, from + i * MIN);
      const repeat = l.minute <= latest;
      latest = Math.max(latest, l.minute);
      if (repeat) stats.repeats++;
      shown.push(!repeat && specs.some((s) => modelInside(s, l.minute, l.weekday, l.ofDay)));
    }
    for (let i = 0; i <= steps; i++) {
      const at = from + i * MIN;
      const label = `${specs.map((s) => JSON.stringify(s)).join(' + ')} in ${zone} at ${new Date(at).toISOString()}`;
      assert.equal(inWindow(windows, at), shown[i], label);
      stats.minutes++;
      if (shown[i]) stats.open++;
      // The announced change: where the walk first shows the other state (the end is inclusive
      // to the second, so a close lies within the minute before the first closed one).
      if (i % 7 !== 0 && (i === 0 || shown[i] === shown[i - 1])) continue;
      const j = shown.findIndex((v, k) => k > i && v !== shown[i]);
      if (j < 0) continue;
      const change = from + j * MIN;
      const s = windowState(windows, at);
      if (shown[i]) assert.ok(s.open && s.closesAt !== undefined && s.closesAt > change - MIN && s.closesAt <= change, `closesAt ${s.open && s.closesAt ? new Date(s.closesAt).toISOString() : '-'}, walk ${new Date(change).toISOString()}: ${label}`);
      else assert.equal(!s.open && s.opensAt, change, `opensAt ${!s.open && s.opensAt ? new Date(s.opensAt).toISOString() : '-'}: ${label}`);
    }
  }), 120);
  t.diagnostic(`minutes compared: ${JSON.stringify(stats)}`);
  assert.ok(stats.open > 1000 && stats.repeats > 100, JSON.stringify(stats));
});

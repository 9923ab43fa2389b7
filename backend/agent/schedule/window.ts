// Reboot windows: when may a node go down? Pure functions of (windows, instant); luxon does the
// time-zone arithmetic so DST days come out right, croner does the cron matching.
//
// A window is a set of half-open intervals [from, to) of epoch ms. Several windows form their
// union. Two kinds exist:
// - weekly: weekdays + start/end wall-clock time in an IANA zone, end inclusive to the second
//   (so 23:59:59 reaches midnight), wrapping past midnight when end < start. `anchor` says which
//   day the weekday list is about:
//     'open'  (nodemend's --window): the day the window opens. "fri 22:00-06:00" is Friday night
//             into Saturday morning.
//     'clock' (Kured's --reboot-days/--start-time/--end-time, kept for users who move over): the
//             day of the moment tested, exactly like Kured. "fri 22:00-06:00" is then Friday
//             00:00-06:00 and Friday 22:00-24:00.
// - cron: a cron expression marks the instants a window opens; it stays open for a duration.
//
// DST: wall-clock times are resolved by luxon. A start inside a spring-forward gap moves to the
// first instant after the gap (02:30 -> 03:30 in Europe/Berlin); an ambiguous fall-back time takes
// luxon's choice (the later instant). Windows keep their wall-clock meaning, so a 22:00-06:00
// window is 7 h long on spring-forward night and 9 h on fall-back night.

import { DateTime } from 'luxon';
import type { Cron } from 'croner';

export interface WeeklyWindow {
  kind: 'weekly';
  /** Weekdays, 0 = Sunday .. 6 = Saturday. */
  days: ReadonlySet<number>;
  /** Seconds after local midnight. */
  start: number;
  /** Seconds after local midnight, inclusive (the window ends one second later). */
  end: number;
  zone: string;
  anchor: 'open' | 'clock';
  /** As the user wrote it, for messages. */
  text: string;
}

export interface CronWindow {
  kind: 'cron';
  cron: Cron;
  durationMs: number;
  zone: string;
  text: string;
}

export type Window = WeeklyWindow | CronWindow;

interface Interval {
  from: number;
  to: number;
}

const DAY_S = 86_400;
/** How far ahead a window is looked for; every weekly window recurs within it. */
const HORIZON_DAYS = 8;
/** A union still open this far ahead counts as never closing (e.g. the all-day default). */
const MAX_OPEN_MS = 31 * DAY_S * 1000;

function at(date: DateTime, seconds: number): number {
  return date.set({ hour: Math.floor(seconds / 3600), minute: Math.floor(seconds / 60) % 60, second: seconds % 60, millisecond: 0 }).toMillis();
}

/** Intervals of a weekly window whose defining local date lies within [t - before, t + after] days. */
function weeklyIntervals(w: WeeklyWindow, t: number, before: number, after: number): Interval[] {
  const out: Interval[] = [];
  const today = DateTime.fromMillis(t, { zone: w.zone }).startOf('day');
  for (let i = -before; i <= after; i++) {
    const d = today.plus({ days: i });
    if (!w.days.has(d.weekday % 7)) continue;
    const next = d.plus({ days: 1 });
    const wraps = w.end < w.start;
    if (w.anchor === 'open') {
      out.push({ from: at(d, w.start), to: at(wraps ? next : d, w.end) + 1000 });
    } else if (!wraps) {
      out.push({ from: at(d, w.start), to: at(d, w.end) + 1000 });
    } else {
      // Kured: on a listed day, the early part (midnight to end) and the late part (start to midnight).
      out.push({ from: d.toMillis(), to: at(d, w.end) + 1000 });
      out.push({ from: at(d, w.start), to: next.toMillis() });
    }
  }
  return out;
}

/** End of the latest interval of `w` that contains t, if any. */
function covering(w: Window, t: number): number | undefined {
  if (w.kind === 'cron') {
    // All intervals have the same length, so the latest start at or before t ends last.
    const s = w.cron.previousRuns(1, new Date(t + 1))[0];
    if (!s) return undefined;
    const end = s.getTime() + w.durationMs;
    return t < end ? end : undefined;
  }
  let best: number | undefined;
  for (const iv of weeklyIntervals(w, t, 2, 1)) {
    if (iv.from <= t && t < iv.to && (best === undefined || iv.to > best)) best = iv.to;
  }
  return best;
}

/** Earliest start of `w` strictly after t, if any. */
function nextStart(w: Window, t: number): number | undefined {
  if (w.kind === 'cron') return w.cron.nextRun(new Date(t))?.getTime();
  let best: number | undefined;
  for (const iv of weeklyIntervals(w, t, 1, HORIZON_DAYS)) {
    if (iv.from > t && iv.from < iv.to && (best === undefined || iv.from < best)) best = iv.from;
  }
  return best;
}

export type WindowState =
  | { open: true; /** When the union closes; undefined = not within a month (always open). */ closesAt?: number }
  | { open: false; /** When a window next opens; undefined = never again. */ opensAt?: number };

export function windowState(windows: readonly Window[], now: number): WindowState {
  let end = maxDefined(windows.map((w) => covering(w, now)));
  if (end === undefined) {
    const opensAt = minDefined(windows.map((w) => nextStart(w, now)));
    return opensAt === undefined ? { open: false } : { open: false, opensAt };
  }
  // Follow touching or overlapping windows: the union stays open across them.
  while (end - now <= MAX_OPEN_MS) {
    const more = maxDefined(windows.map((w) => covering(w, end!)));
    if (more === undefined || more <= end) return { open: true, closesAt: end };
    end = more;
  }
  return { open: true };
}

export function inWindow(windows: readonly Window[], now: number): boolean {
  return windows.some((w) => covering(w, now) !== undefined);
}

/** `now` when a window is open, else the next opening (undefined = none ever). */
export function nextWindowStart(windows: readonly Window[], now: number): number | undefined {
  const s = windowState(windows, now);
  return s.open ? now : s.opensAt;
}

/** When the currently open union of windows closes (undefined: closed now, or open for a month+). */
export function windowEnd(windows: readonly Window[], now: number): number | undefined {
  const s = windowState(windows, now);
  return s.open ? s.closesAt : undefined;
}

function maxDefined(xs: (number | undefined)[]): number | undefined {
  let m: number | undefined;
  for (const x of xs) if (x !== undefined && (m === undefined || x > m)) m = x;
  return m;
}

function minDefined(xs: (number | undefined)[]): number | undefined {
  let m: number | undefined;
  for (const x of xs) if (x !== undefined && (m === undefined || x < m)) m = x;
  return m;
}

// Reboot windows: when may a node go down? Pure functions of (windows, instant); wallclock.ts
// turns local time into instants, croner does the cron matching.
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
// - cron: a cron expression marks the local times a window opens; it stays open for a duration.
//
// DST: windows are defined in wall-clock time, exactly (wallclock.ts does the zone arithmetic).
// An instant is inside a window when the local time it shows is, with two rules for the nights
// when clocks change:
// - Fall back: the repeated stretch counts once, its first showing (as cron runs a fixed-time job
//   once). A window never lasts longer than its wall-clock length: "sun 02:00-02:59" is open during
//   the first 02:00-03:00 only, and a 22:00-06:00 night is open 8 h, closed during the second
//   showing of 02:00-03:00 (Europe/Berlin).
// - Spring forward: local times in the gap are never shown. A window starting in the gap opens at
//   the jump (02:30 -> 03:00 in Europe/Berlin), one ending in the gap closes at the jump, and one
//   wholly inside the gap does not open that night. A 22:00-06:00 night is then 7 h long.
// Cron windows follow the same rules: the cron expression is matched against wall-clock time and
// the window lasts its duration in wall-clock time ("0 2 * * sat for 4h" is 02:00-06:00 local).

import type { Cron } from 'croner';
import { instants, repeatEnds, wallTime, type Interval } from './wallclock.ts';

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
  /** Matched against wall-clock time written as UTC (see wallclock.ts), so it is built with UTC offset 0. */
  cron: Cron;
  durationMs: number;
  zone: string;
  text: string;
}

export type Window = WeeklyWindow | CronWindow;

const DAY_MS = 86_400_000;
/** How far ahead a window is looked for; every weekly window recurs within it. */
const HORIZON_DAYS = 8;
/** A union still open this far ahead counts as never closing (e.g. the all-day default). */
const MAX_OPEN_MS = 31 * DAY_MS;
/** Cron runs tried for the next opening (runs wholly inside a spring-forward gap are skipped). */
const MAX_CRON_RUNS = 2000;

/** Wall-clock intervals [from, to) of a weekly window whose defining local date lies within [day - before, day + after]. */
function weeklyWall(w: WeeklyWindow, wall: number, before: number, after: number): Interval[] {
  const out: Interval[] = [];
  const today = Math.floor(wall / DAY_MS) * DAY_MS;
  const wraps = w.end < w.start;
  for (let i = -before; i <= after; i++) {
    const d = today + i * DAY_MS;
    if (!w.days.has(new Date(d).getUTCDay())) continue;
    const start = d + w.start * 1000;
    const end = d + w.end * 1000 + 1000;
    if (w.anchor === 'open') {
      out.push({ from: start, to: wraps ? end + DAY_MS : end });
    } else if (!wraps) {
      out.push({ from: start, to: end });
    } else {
      // Kured: on a listed day, the early part (midnight to end) and the late part (start to midnight).
      out.push({ from: d, to: end });
      out.push({ from: start, to: d + DAY_MS });
    }
  }
  return out;
}

/** End of the stretch of instants of wall interval `iv` that contains t, if any. */
function pieceEnd(zone: string, iv: Interval, t: number): number | undefined {
  return instants(zone, iv.from, iv.to).find((p) => p.from <= t && t < p.to)?.to;
}

/** End of the latest stretch of `w` that contains t, if any. */
function covering(w: Window, t: number): number | undefined {
  const now = wallTime(w.zone, t);
  if (now.repeat) return undefined;
  if (w.kind === 'cron') {
    // All runs last as long, so the latest start at or before now ends last.
    const s = w.cron.previousRuns(1, new Date(now.wall + 1))[0];
    if (!s || now.wall >= s.getTime() + w.durationMs) return undefined;
    return pieceEnd(w.zone, { from: s.getTime(), to: s.getTime() + w.durationMs }, t);
  }
  let best: number | undefined;
  for (const iv of weeklyWall(w, now.wall, 2, 1)) {
    if (iv.from > now.wall || now.wall >= iv.to) continue;
    const end = pieceEnd(w.zone, iv, t);
    if (end !== undefined && (best === undefined || end > best)) best = end;
  }
  return best;
}

/** Earliest instant strictly after t at which `w` opens, if any. */
function nextStart(w: Window, t: number): number | undefined {
  const now = wallTime(w.zone, t);
  let best: number | undefined;
  const offer = (x: number | undefined) => {
    if (x !== undefined && x > t && (best === undefined || x < best)) best = x;
  };
  if (w.kind === 'weekly') {
    for (const iv of weeklyWall(w, now.reached, 1, HORIZON_DAYS)) {
      for (const p of instants(w.zone, iv.from, iv.to)) offer(p.from);
    }
    return best;
  }
  // A run started earlier opens again where a repeated stretch ends, if it still covers that time.
  for (const r of repeatEnds(w.zone, t, t + 2 * DAY_MS)) if (covering(w, r) !== undefined) offer(r);
  // Otherwise the first later run that any instant shows.
  let after = new Date(now.reached - 1);
  for (let i = 0; i < MAX_CRON_RUNS; i++) {
    const s = w.cron.nextRun(after);
    if (!s) break;
    const first = instants(w.zone, s.getTime(), s.getTime() + w.durationMs).find((p) => p.from > t);
    if (first) {
      offer(first.from);
      break;
    }
    after = s;
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

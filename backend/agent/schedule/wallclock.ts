// Wall-clock time in an IANA zone, exactly: which local time an instant shows, whether that local
// time was already shown earlier (the repeated hour of a fall-back night), and which instants show
// a stretch of local time. Reboot windows are defined in wall-clock time; this file turns them into
// instants.
//
// A "wall" value is the local date and time written as if it were UTC, in ms (wall 2026-10-25
// 02:30 in Europe/Berlin is Date.UTC(2026, 9, 25, 2, 30)). Plain arithmetic on wall values is
// calendar arithmetic: it knows nothing of DST, which is the point.
//
// The rules, the same for every zone:
// - An instant shows wall(t) = t + offset(t).
// - On a fall-back night the local times of the repeated stretch are shown twice; only the first
//   showing counts (as cron runs a fixed-time job once). Instants of the second showing are
//   "repeats": they belong to no window.
// - On a spring-forward night the skipped local times are never shown; a stretch of wall time that
//   starts or ends in the gap starts or ends at the instant of the jump, and a stretch wholly inside
//   the gap is shown by no instant at all.

import { IANAZone } from 'luxon';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Offsets lie within UTC-12..UTC+14: the instants showing a wall value lie within this of it. */
const REACH = 16 * HOUR;

/** A stretch of instants with one UTC offset: [start, end), offset in ms. */
interface Segment {
  start: number;
  end: number;
  off: number;
}

export interface Interval {
  from: number;
  to: number;
}

/** A zone's offsets in one UTC day: the offset at its start and each change within it. */
interface Day {
  startOff: number;
  changes: { at: number; off: number }[];
}

/** Cached per zone and UTC day: the offset is slow to compute (Intl) and asked often. */
const dayCache = new Map<string, Day>();
const CACHE_MAX = 4096;

function offsetMs(zone: IANAZone, t: number): number {
  return zone.offset(t) * 60_000;
}

/**
 * Offsets in UTC day `day` (ms since epoch / DAY), each change as the first instant of the new
 * offset. Sampled hourly, then found to the second: no zone changes its offset twice in an hour.
 */
function zoneDay(zoneName: string, day: number): Day {
  const key = `${zoneName}|${day}`;
  const hit = dayCache.get(key);
  if (hit) return hit;
  const zone = IANAZone.create(zoneName);
  let prevT = day * DAY;
  let prev = offsetMs(zone, prevT);
  const out: Day = { startOff: prev, changes: [] };
  for (let h = 1; h <= 24; h++) {
    const t = day * DAY + h * HOUR;
    const off = offsetMs(zone, t);
    if (off !== prev) {
      // Smallest second in (prevT, t] showing the new offset.
      let lo = prevT / 1000;
      let hi = t / 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMs(zone, mid * 1000) === prev) lo = mid;
        else hi = mid;
      }
      if (hi * 1000 < (day + 1) * DAY) out.changes.push({ at: hi * 1000, off });
    }
    prevT = t;
    prev = off;
  }
  if (dayCache.size >= CACHE_MAX) dayCache.clear();
  dayCache.set(key, out);
  return out;
}

/** The segments of constant offset covering [from, to). */
function segments(zoneName: string, from: number, to: number): Segment[] {
  const out: Segment[] = [];
  const first = zoneDay(zoneName, Math.floor(from / DAY));
  let start = from;
  let off = first.startOff;
  for (const c of first.changes) if (c.at <= from) off = c.off;
  for (let day = Math.floor(from / DAY); day * DAY < to; day++) {
    for (const c of zoneDay(zoneName, day).changes) {
      if (c.at <= from || c.at >= to) continue;
      out.push({ start, end: c.at, off });
      start = c.at;
      off = c.off;
    }
  }
  out.push({ start, end: to, off });
  return out;
}

/** The stretches of instants in `segs` whose local time was already shown earlier. */
function repeats(segs: Segment[]): Interval[] {
  const out: Interval[] = [];
  let shown = -Infinity; // the latest wall value shown so far (its supremum)
  for (const s of segs) {
    // Within a segment wall time rises with t; it repeats while below what was already shown.
    const until = Math.min(s.end, shown - s.off);
    if (until > s.start) out.push({ from: s.start, to: until });
    shown = Math.max(shown, s.end + s.off);
  }
  return out;
}

/**
 * The first instant showing wall time `w` or later: the first showing of an ambiguous time, the
 * instant of the jump for a time in a spring-forward gap.
 */
function firstAtOrAfter(segs: Segment[], w: number): number {
  let best = Infinity;
  for (const s of segs) {
    const t = Math.max(s.start, w - s.off);
    if (t < s.end && t < best) best = t;
  }
  return best;
}

export interface WallTime {
  /** The local time shown, as a wall value. */
  wall: number;
  /** Shown already before (the second pass through a fall-back night's repeated stretch). */
  repeat: boolean;
  /** The latest local time shown up to t: `wall`, or for a repeat the end of the repeated stretch. */
  reached: number;
}

export function wallTime(zone: string, t: number): WallTime {
  const segs = segments(zone, t - REACH, t + 1);
  const last = segs[segs.length - 1];
  const wall = t + last.off;
  let before = -Infinity;
  for (const s of segs.slice(0, -1)) before = Math.max(before, s.end + s.off);
  return { wall, repeat: wall < before, reached: Math.max(wall, before) };
}

/**
 * The instants showing wall times in [w1, w2), first showings only, as sorted disjoint intervals:
 * one interval, or two when a fall-back night's second showing cuts it, or none when the whole
 * stretch lies in a spring-forward gap.
 */
export function instants(zone: string, w1: number, w2: number): Interval[] {
  if (w2 <= w1) return [];
  const segs = segments(zone, w1 - REACH, w2 + REACH);
  const from = firstAtOrAfter(segs, w1);
  const to = firstAtOrAfter(segs, w2);
  const out: Interval[] = [];
  let cur = from;
  for (const r of repeats(segs)) {
    if (r.to <= cur || r.from >= to) continue;
    if (r.from > cur) out.push({ from: cur, to: r.from });
    cur = r.to;
  }
  if (cur < to) out.push({ from: cur, to });
  return out;
}

/** Ends of repeated stretches (where the first showings go on) within (from, to]. */
export function repeatEnds(zone: string, from: number, to: number): number[] {
  const segs = segments(zone, from - REACH, to + REACH);
  return repeats(segs).map((r) => r.to).filter((e) => e > from && e <= to);
}

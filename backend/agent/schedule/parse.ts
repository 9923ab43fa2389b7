// Parsing of window specifications, once, at start-up: the runtime only ever sees valid windows.
// Every error names the flag and shows the expected form.
//
//   --window "mon-fri 22:00-06:00 Europe/Berlin"   days (optional, default every day), start-end
//                                                  (end inclusive, wraps past midnight), zone
//                                                  (optional, default --time-zone)
//   --window-cron "0 2 * * sat for 4h Europe/Berlin" five cron fields, then optional
//                                                  "for <duration>" (default --window-cron-duration)
//                                                  and optional zone
//   Kured: --reboot-days mon,tue --start-time 22:00 --end-time 06:00 --time-zone Europe/Berlin

import { IANAZone } from 'luxon';
import { Cron } from 'croner';
import type { CronWindow, WeeklyWindow } from './window.ts';
import { parseDuration } from '../config/duration.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const DAY_NAMES: Record<string, number> = {
  su: 0, sun: 0, sunday: 0,
  mo: 1, mon: 1, monday: 1,
  tu: 2, tue: 2, tuesday: 2,
  we: 3, wed: 3, wednesday: 3,
  th: 4, thu: 4, thursday: 4,
  fr: 5, fri: 5, friday: 5,
  sa: 6, sat: 6, saturday: 6,
};
const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];
const DAYS_HELP = 'weekdays such as mon-fri, sat,sun, su/sun/sunday or 0-6 (0 = Sunday), or * for every day';

function weekday(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (/^[0-6]$/.test(t)) return Number(t);
  return DAY_NAMES[t];
}

/** A day list: items separated by commas, each a day or a range (fri-mon wraps over Sunday). */
export function parseDays(flag: string, raw: string): Result<Set<number>> {
  const s = raw.trim().toLowerCase();
  if (s === '*' || s === 'daily' || s === 'all') return { ok: true, value: new Set(ALL_DAYS) };
  const out = new Set<number>();
  for (const item of s.split(',')) {
    if (item.trim() === '') continue;
    const [a, b, extra] = item.split('-');
    const from = weekday(a);
    const to = b === undefined ? from : weekday(b);
    if (from === undefined || to === undefined || extra !== undefined) {
      return { ok: false, error: `${flag}: ${JSON.stringify(item.trim())} is not a weekday or range; expected ${DAYS_HELP}` };
    }
    for (let d = from; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === to) break;
    }
  }
  if (out.size === 0) return { ok: false, error: `${flag}: no weekday given; expected ${DAYS_HELP}` };
  return { ok: true, value: out };
}

/**
 * A time of day as seconds after midnight: 22:00, 6:00, 22:00:30, 10pm, 10:30pm. `end` allows
 * 24:00 (the end of the day, i.e. up to 23:59:59 inclusive). `bareHour` also takes a lone hour
 * (22 = 22:00), as Kured's --start-time/--end-time do (Go layouts 15:04, 15:04:05, 03:04pm, 15,
 * 03pm, 3pm); in a --window a lone number would read as a weekday.
 */
export function parseTimeOfDay(flag: string, raw: string, end = false, bareHour = false): Result<number> {
  const s = raw.trim().toLowerCase();
  const m = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm)?$/.exec(s);
  const bad = { ok: false as const, error: `${flag}: ${JSON.stringify(raw)} is not a time of day; expected HH:MM or HH:MM:SS (24 h, e.g. 22:00)${bareHour ? ', a lone hour such as 22' : ''} or 10pm` };
  if (!m || (m[2] === undefined && m[4] === undefined && !bareHour)) return bad;
  let h = Number(m[1]);
  const min = Number(m[2] ?? 0);
  const sec = Number(m[3] ?? 0);
  if (m[4]) {
    if (h < 1 || h > 12) return bad;
    h = (h % 12) + (m[4] === 'pm' ? 12 : 0);
  }
  if (end && h === 24 && min === 0 && sec === 0) return { ok: true, value: 86_399 };
  if (h > 23 || min > 59 || sec > 59) return bad;
  return { ok: true, value: h * 3600 + min * 60 + sec };
}

export function parseZone(flag: string, raw: string): Result<string> {
  const z = raw.trim();
  if (!IANAZone.isValidZone(z)) {
    return { ok: false, error: `${flag}: ${JSON.stringify(raw)} is not an IANA time zone; expected e.g. UTC, Europe/Berlin or America/New_York` };
  }
  return { ok: true, value: z };
}

// A time has a colon or am/pm, so a day range such as 0-6 is never taken for one.
const TIME = String.raw`\d{1,2}(?::\d{2}){1,2}(?:[ap]m)?|\d{1,2}[ap]m`;
const TIME_RANGE = new RegExp(`^(?:${TIME})-(?:${TIME})$`, 'i');
const WINDOW_HELP = 'expected "[days] HH:MM-HH:MM [zone]", e.g. "mon-fri 22:00-06:00 Europe/Berlin"';

/** nodemend's --window. */
export function parseWindow(flag: string, raw: string, defaultZone: string): Result<WeeklyWindow> {
  // Allow "22:00 - 06:00" as well as "22:00-06:00".
  const tokens = raw.trim().replace(/(\d|[ap]m)\s+-\s+(\d)/gi, '$1-$2').split(/\s+/).filter(Boolean);
  const ti = tokens.findIndex((t) => TIME_RANGE.test(t));
  if (ti < 0 || ti > 1 || tokens.length > ti + 2) return { ok: false, error: `${flag}: cannot read ${JSON.stringify(raw)}; ${WINDOW_HELP}` };
  const days = ti === 1 ? parseDays(flag, tokens[0]) : { ok: true as const, value: new Set(ALL_DAYS) };
  if (!days.ok) return days;
  const [a, b, extra] = tokens[ti].split('-');
  if (extra !== undefined) return { ok: false, error: `${flag}: cannot read the times ${JSON.stringify(tokens[ti])}; ${WINDOW_HELP}` };
  const start = parseTimeOfDay(flag, a);
  if (!start.ok) return start;
  const end = parseTimeOfDay(flag, b, true);
  if (!end.ok) return end;
  if (start.value === end.value) return { ok: false, error: `${flag}: start and end are both ${a}; for a whole day write 00:00-24:00` };
  const zone = tokens[ti + 1] === undefined ? { ok: true as const, value: defaultZone } : parseZone(flag, tokens[ti + 1]);
  if (!zone.ok) return zone;
  return { ok: true, value: { kind: 'weekly', days: days.value, start: start.value, end: end.value, zone: zone.value, anchor: 'open', text: raw.trim() } };
}

/** Kured's --reboot-days/--start-time/--end-time/--time-zone, with Kured's day semantics. */
export function kuredWindow(days: Set<number>, start: number, end: number, zone: string, text: string): WeeklyWindow {
  return { kind: 'weekly', days, start, end, zone, anchor: 'clock', text };
}

const CRON_HELP = 'expected "<minute> <hour> <day-of-month> <month> <day-of-week> [for <duration>] [zone]", e.g. "0 2 * * sat for 4h Europe/Berlin"';

/** nodemend's --window-cron. */
export function parseCronWindow(flag: string, raw: string, defaultDurationMs: number, defaultZone: string): Result<CronWindow> {
  const tokens = raw.trim().split(/\s+/).filter(Boolean);
  if (tokens.length < 5) return { ok: false, error: `${flag}: ${JSON.stringify(raw)} has fewer than five cron fields; ${CRON_HELP}` };
  const expr = tokens.slice(0, 5).join(' ');
  let rest = tokens.slice(5);
  let durationMs = defaultDurationMs;
  if (rest[0]?.toLowerCase() === 'for') {
    const d = parseDuration(rest[1] ?? '');
    if (!d.ok) return { ok: false, error: `${flag}: after "for" ${d.error}` };
    if (d.ms <= 0) return { ok: false, error: `${flag}: the window duration must be longer than 0` };
    durationMs = d.ms;
    rest = rest.slice(2);
  }
  if (rest.length > 1) return { ok: false, error: `${flag}: unexpected ${JSON.stringify(rest.join(' '))}; ${CRON_HELP}` };
  let zone = defaultZone;
  if (rest.length === 1) {
    const z = parseZone(flag, rest[0]);
    if (!z.ok) return { ok: false, error: `${z.error} (or a sixth cron field, which is not supported; ${CRON_HELP})` };
    zone = z.value;
  }
  let cron: Cron;
  try {
    // Matched against wall-clock time written as UTC: window.ts applies the zone and its DST rules.
    // utcOffset 0 rather than timezone UTC: the same answers without Intl, many times faster.
    cron = new Cron(expr, { utcOffset: 0, mode: '5-part', paused: true });
  } catch (e) {
    return { ok: false, error: `${flag}: invalid cron expression ${JSON.stringify(expr)} (${e instanceof Error ? e.message : String(e)}); ${CRON_HELP}` };
  }
  // Fail at start-up, not silently never: "0 0 30 2 *" (30 February) matches nothing.
  if (cron.nextRun(new Date(0)) === null) return { ok: false, error: `${flag}: ${JSON.stringify(expr)} never matches a date; check the day-of-month and month fields` };
  return { ok: true, value: { kind: 'cron', cron, durationMs, zone, text: raw.trim() } };
}

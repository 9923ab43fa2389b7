// What a person may type when asked "when?" (Schedule Reboot, block expiry), read in their own
// time zone with luxon so that "22:00" means 22:00 where they sit, across DST. Pure: the clock and
// the zone are passed in, and every error names the accepted forms.

import { DateTime } from 'luxon';

export type When = { ok: true; at: number } | { ok: false; error: string };

export const TIME_FORMS = 'now, +30m, in 2h, 1d, 22:00, tomorrow 03:00, 2026-11-24 22:00, or 2026-11-24T22:00:00Z';
const MAX_AHEAD_MS = 366 * 24 * 3600_000;
/** Typing takes time: a moment just passed still counts as now. */
const PAST_SLACK_MS = 60_000;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3600_000, d: 86_400_000 };

function relative(s: string): number | undefined {
  const m = /^(?:\+|in\s+)?(\d{1,5})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)$/i.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2][0].toLowerCase()];
}

function clock(s: string): { h: number; min: number } | 'bad' | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h > 23 || min > 59 ? 'bad' : { h, min };
}

function absolute(s: string, zone: string): DateTime | undefined {
  // With an explicit zone or offset: taken as written.
  if (/(Z|[+-]\d{2}:\d{2})$/i.test(s)) {
    const d = DateTime.fromISO(s, { setZone: true });
    return d.isValid ? d : undefined;
  }
  const d = DateTime.fromFormat(s.replace('T', ' '), s.length > 16 ? 'yyyy-MM-dd HH:mm:ss' : 'yyyy-MM-dd HH:mm', { zone });
  return d.isValid ? d : undefined;
}

/** Parses a typed time. `now` is epoch ms; `zone` an IANA zone such as "Europe/Berlin". */
export function parseWhen(input: string, now: number, zone: string): When {
  const s = input.trim().replace(/\s+/g, ' ');
  const bad = (why: string): When => ({ ok: false, error: `${why}. Type a time such as ${TIME_FORMS}.` });
  if (!s) return bad('Empty time');
  let at: number | undefined;
  if (/^now$/i.test(s)) at = now;
  const rel = at === undefined ? relative(s) : undefined;
  if (rel !== undefined) at = now + rel;
  if (at === undefined) {
    const tomorrow = /^tomorrow\b/i.test(s);
    const c = clock(s.replace(/^tomorrow\s*/i, ''));
    if (c === 'bad') return bad(`"${s}" is not a time of day (hours 0-23, minutes 0-59)`);
    if (c) {
      const today = DateTime.fromMillis(now, { zone }).set({ hour: c.h, minute: c.min, second: 0, millisecond: 0 });
      // "22:00" typed at 23:00 means tomorrow's 22:00, the next time the clock shows it.
      at = (tomorrow || today.toMillis() <= now ? today.plus({ days: 1 }) : today).toMillis();
    } else if (tomorrow) {
      return bad(`"${s}": after "tomorrow" give a time of day such as 03:00`);
    }
  }
  if (at === undefined) {
    const d = absolute(s, zone);
    if (!d) return bad(`"${s.length > 40 ? s.slice(0, 37) + '...' : s}" is not a time nodemend understands`);
    at = d.toMillis();
  }
  if (at < now - PAST_SLACK_MS) return bad(`${new Date(at).toISOString()} is in the past`);
  if (at > now + MAX_AHEAD_MS) return bad('That is more than a year ahead');
  return { ok: true, at };
}

/** A block expiry: empty means "until removed". */
export function parseUntil(input: string, now: number, zone: string): { ok: true; at?: number } | { ok: false; error: string } {
  if (!input.trim()) return { ok: true };
  const w = parseWhen(input, now, zone);
  if (w.ok && w.at <= now) return { ok: false, error: 'An expiry must be in the future (or leave it empty to block until removed).' };
  return w;
}

/** How a chosen time reads back to the user, in their zone, with the offset so it is unambiguous. */
export function formatWhen(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');
}

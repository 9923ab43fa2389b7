// Text for times and durations. Pure and deterministic (no locale, no clock): every function takes
// `now` so tests can pin it, and absolute times are UTC so two engineers in different zones
// reading the same screen share see the same numbers.

/** "45s", "3m 20s", "2h 05m", "3d 4h". Negative or invalid input gives "–". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "3m 20s ago" or "in 2h 05m" relative to now; "–" for a missing or unreadable time. */
export function formatRelative(iso: string | undefined, now: number): string {
  const t = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(t)) return '–';
  const d = t - now;
  if (Math.abs(d) < 1000) return 'now';
  return d < 0 ? `${formatDuration(-d)} ago` : `in ${formatDuration(d)}`;
}

/** "2026-11-24 22:00 UTC"; the input unchanged when it is not a time. */
export function formatUtc(iso: string | undefined): string {
  if (iso === undefined) return '–';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "22:04:13" (UTC), for dense lists where the date is implied. */
export function formatClock(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(11, 19);
}

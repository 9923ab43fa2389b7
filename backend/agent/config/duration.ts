// Go-style durations ("90s", "1h30m", "500ms", "0"), the syntax Kured's flags use, plus "d" for
// days. Returns milliseconds or an error text that the caller prefixes with the flag's name.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(raw: string): { ok: true; ms: number } | { ok: false; error: string } {
  const s = raw.trim();
  const bad = { ok: false as const, error: `expected a duration such as 30s, 10m, 1h30m or 0, got ${JSON.stringify(raw)}` };
  if (s === '0') return { ok: true, ms: 0 };
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s)) return bad;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  if (!Number.isFinite(ms)) return bad;
  return { ok: true, ms: Math.round(ms) };
}

/** "1h30m" style text for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let s = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join('');
}

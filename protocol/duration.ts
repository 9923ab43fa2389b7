// Go-style durations ("90s", "1h30m", "500ms", "1.5h", "0"), the syntax of Kured's flags (Go's
// time.ParseDuration: units ns, us (or the micro sign), ms, s, m, h), plus "d" for days. Returns milliseconds or an
// error text that the caller prefixes with the flag's name. Negative durations are refused.

// Micro as escapes, never as the characters: the pattern is a raw template, which esbuild keeps
// as written, and one Greek mu in the bundle makes V8 hold all of its source text at two bytes
// per character (about 2.8 MiB more in every agent; bench/agent-heap.ts). Go takes both the micro
// sign U+00B5 and the Greek mu U+03BC.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = String.raw`(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h|d)`;

export function parseDuration(raw: string): { ok: true; ms: number } | { ok: false; error: string } {
  const s = raw.trim().replace(/^\+/, '');
  const bad = { ok: false as const, error: `expected a duration such as 30s, 10m, 1h30m or 0, got ${JSON.stringify(raw)}` };
  if (s === '0') return { ok: true, ms: 0 };
  if (!new RegExp(`^(${PART})+$`).test(s)) return bad;
  let ms = 0;
  for (const m of s.matchAll(new RegExp(PART, 'g'))) ms += Number(m[1]) * UNIT_MS[m[2]];
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

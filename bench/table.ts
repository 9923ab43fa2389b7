// The result record written to bench/results.json and its text table.

import { ratio, round } from './stats.ts';

export interface Measurement {
  /** Short id, e.g. "rollout-c1". */
  id: string;
  what: string;
  units: string;
  /** Lower is better for every figure reported here. */
  nodemend: number | null;
  kured: number | null;
  /** nodemend / kured. */
  ratio: number | null;
  n: number;
  settings: Record<string, string | number | boolean>;
  /** Why a side is missing, target verdicts, repetitions. */
  notes?: string[];
}

export function measurement(m: Omit<Measurement, 'ratio'>): Measurement {
  return { ...m, nodemend: round(m.nodemend, 3), kured: round(m.kured, 3), ratio: round(ratio(m.nodemend, m.kured), 3) };
}

const fmt = (x: number | null): string => (x === null ? 'n/a' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Fixed-width text table, one row per measurement. */
export function formatTable(ms: readonly Measurement[]): string {
  const head = ['measurement', 'units', 'N', 'nodemend', 'kured', 'ratio'];
  const rows = ms.map((m) => [m.what, m.units, String(m.n), fmt(m.nodemend), fmt(m.kured), m.ratio === null ? 'n/a' : `${fmt(m.ratio)}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same rows as a Markdown table, for docs/benchmarks.md. */
export function formatMarkdown(ms: readonly Measurement[]): string {
  const out = ['| measurement | units | N | nodemend | Kured | ratio |', '|---|---|---:|---:|---:|---:|'];
  for (const m of ms) out.push(`| ${m.what} | ${m.units} | ${m.n} | ${fmt(m.nodemend)} | ${fmt(m.kured)} | ${m.ratio === null ? 'n/a' : `${fmt(m.ratio)}x`} |`);
  return out.join('\n');
}

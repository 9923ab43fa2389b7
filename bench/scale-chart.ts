// The scale chart: API work of one rollout against N, both axes logarithmic, so a power law is a
// straight line whose steepness is its slope (1 = linear, 2 = quadratic). nodemend measured,
// Kured modelled; each series is labelled with which.

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ScalePoint { n: number; y: number }
export interface ScaleSeries { label: string; color: string; dashed?: boolean; points: ScalePoint[] }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function seriesFrom(rows: readonly { n: number; agentRequests: number; apiWork: number }[], kured: readonly { system: string; n: number; requests: number }[]): ScaleSeries[] {
  const k = (system: string) => kured.filter((x) => x.system === system).map((x) => ({ n: x.n, y: x.requests }));
  return [
    { label: 'nodemend requests + watch events (measured)', color: '#0969da', points: rows.map((r) => ({ n: r.n, y: r.apiWork })) },
    { label: 'nodemend requests (measured)', color: '#0969da', dashed: true, points: rows.map((r) => ({ n: r.n, y: r.agentRequests })) },
    { label: 'Kured --period=10s requests (model)', color: '#d29922', points: k('kured-10s') },
    { label: 'Kured --period=1h requests (model)', color: '#8250df', points: k('kured-1h') },
  ].filter((s) => s.points.length > 0);
}

/** Log-log line chart; decades on both axes. */
export function logLogSvg(series: readonly ScaleSeries[], title: string): string {
  const W = 640;
  const H = 380;
  const L = 70;
  const R = 20;
  const T = 34;
  const B = 120;
  const pts = series.flatMap((s) => s.points).filter((p) => p.n > 0 && p.y > 0);
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="4" y="20">${esc(title)}: no data</text></svg>\n`;
  const lx0 = Math.floor(Math.log10(Math.min(...pts.map((p) => p.n))));
  const lx1 = Math.ceil(Math.log10(Math.max(...pts.map((p) => p.n))));
  const ly0 = Math.floor(Math.log10(Math.min(...pts.map((p) => p.y))));
  const ly1 = Math.ceil(Math.log10(Math.max(...pts.map((p) => p.y))));
  const x = (n: number) => L + ((Math.log10(n) - lx0) / Math.max(1, lx1 - lx0)) * (W - L - R);
  const y = (v: number) => H - B - ((Math.log10(v) - ly0) / Math.max(1, ly1 - ly0)) * (H - B - T);
  const parts = [`<text x="4" y="18" font-weight="bold">${esc(title)}</text>`];
  for (let d = lx0; d <= lx1; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (Math.log10(v) > lx1) break;
      parts.push(`<line x1="${x(v).toFixed(1)}" y1="${T}" x2="${x(v).toFixed(1)}" y2="${H - B}" stroke="#eee"/><text x="${x(v).toFixed(1)}" y="${H - B + 14}" font-size="10" text-anchor="middle">${v}</text>`);
    }
  }
  for (let d = ly0; d <= ly1; d++) parts.push(`<line x1="${L}" y1="${y(10 ** d).toFixed(1)}" x2="${W - R}" y2="${y(10 ** d).toFixed(1)}" stroke="#ddd"/><text x="${L - 6}" y="${(y(10 ** d) + 4).toFixed(1)}" font-size="10" text-anchor="end">${(10 ** d).toLocaleString('en-US')}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - B + 30}" text-anchor="middle">nodes N (log scale)</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">API work per rollout (log scale)</text>`);
  let ly = H - B + 50;
  for (const s of series) {
    const sorted = [...s.points].filter((p) => p.n > 0 && p.y > 0).sort((a, b) => a.n - b.n);
    const d = sorted.map((p, i) => `${i ? 'L' : 'M'}${x(p.n).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="5,3"' : '';
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of sorted) parts.push(`<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    parts.push(`<line x1="${L}" y1="${ly - 4}" x2="${L + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/><text x="${L + 30}" y="${ly}">${esc(s.label)}</text>`);
    ly += 16;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

export function scaleSvg(rows: readonly { n: number; agentRequests: number; apiWork: number }[], kured: readonly { system: string; n: number; requests: number }[]): string {
  return logLogSvg(seriesFrom(rows, kured), 'API work of one rollout against the number of nodes (c=4)');
}

// ---- tables for docs/benchmarks.md ----

interface Section {
  rows: { n: number; rolloutSeconds: number; completed: boolean; agentRequests: number; agentRequestsByKind: Record<string, number>; eventsToAgents: Record<string, number>; bytesToAgents: number; apiServerCpuSeconds: number; etcdCpuSeconds: number; agentsCpuSeconds: number; handoffP50Seconds: number | null; handoffP95Seconds: number | null; apiWork: number }[];
  kuredModel: { system: string; n: number; rolloutSeconds: number; requests: number; apiServerCpuSeconds: number }[];
  slope: { system: string; figure: string; slope: number; coefficient: number; ns: number[] }[];
}

const f = (x: number | null, d = 0) => (x === null ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

/** The Scale tables of docs/benchmarks.md, from the `scale` section of results.json. */
export function scaleMarkdown(s: Section): string {
  const out = ['| N | rollout s | agent requests (GET node) | events to agents: Leases / DaemonSet / own Node | bytes to agents | API server CPU s | etcd CPU s | agents CPU s | handoff p50 / p95 s |', '|---:|---:|---:|---|---:|---:|---:|---:|---:|'];
  for (const r of s.rows) {
    const e = r.eventsToAgents;
    out.push(`| ${r.n} | ${f(r.rolloutSeconds, 1)}${r.completed ? '' : ' (unfinished)'} | ${f(r.agentRequests)} (${f(r.agentRequestsByKind['get nodes'] ?? 0)}) | ${f(e.leases)} / ${f(e.daemonsets)} / ${f(e.nodes)} | ${f(r.bytesToAgents / 1e6, 1)} MB | ${f(r.apiServerCpuSeconds, 1)} | ${f(r.etcdCpuSeconds, 1)} | ${f(r.agentsCpuSeconds, 1)} | ${f(r.handoffP50Seconds, 1)} / ${f(r.handoffP95Seconds, 1)} |`);
  }
  out.push('', '| figure | nodemend (measured) | Kured --period=10s (model) | Kured --period=1h (model) |', '|---|---:|---:|---:|');
  const sl = (sys: string, fig: string) => s.slope.find((x) => x.system === sys && x.figure === fig);
  const cell = (sys: string, fig: string) => { const x = sl(sys, fig); return x ? `${x.slope.toFixed(2)} (${x.coefficient}·N^${x.slope.toFixed(2)})` : 'n/a'; };
  out.push(`| API work: requests + watch events | ${cell('nodemend', 'apiWork')} | ${cell('kured-10s (model)', 'apiWork')} (requests; no watches) | ${cell('kured-1h (model)', 'apiWork')} |`);
  for (const fig of ['agentRequests', 'eventsToAgents', 'bytesToAgents', 'apiServerCpuSeconds', 'etcdCpuSeconds', 'rolloutSeconds']) {
    const k = fig === 'apiServerCpuSeconds' ? [cell('kured-10s (model)', fig), cell('kured-1h (model)', fig)] : ['', ''];
    out.push(`| ${fig} | ${cell('nodemend', fig)} | ${k[0]} | ${k[1]} |`);
  }
  out.push('', '| N | nodemend requests | nodemend requests + events | Kured 10 s requests | Kured 10 s rollout s | Kured 1 h requests | Kured 1 h rollout s | nodemend API server CPU s (measured) | Kured 10 s / 1 h est. CPU s |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of s.rows) {
    const k10 = s.kuredModel.find((k) => k.system === 'kured-10s' && k.n === r.n);
    const k1h = s.kuredModel.find((k) => k.system === 'kured-1h' && k.n === r.n);
    out.push(`| ${r.n} | ${f(r.agentRequests)} | ${f(r.apiWork)} | ${f(k10?.requests ?? null)} | ${f(k10?.rolloutSeconds ?? null)} | ${f(k1h?.requests ?? null)} | ${f(k1h?.rolloutSeconds ?? null)} | ${f(r.apiServerCpuSeconds, 1)} | ${f(k10?.apiServerCpuSeconds ?? null, 1)} / ${f(k1h?.apiServerCpuSeconds ?? null, 2)} |`);
  }
  return out.join('\n');
}

// CLI: node bench/scale-chart.ts [results.json] [out.svg]: redraws the chart, prints the tables.
if (import.meta.filename === resolve(process.argv[1] ?? '')) {
  const repo = resolve(import.meta.dirname, '..');
  const input = resolve(process.argv[2] ?? `${repo}/bench/results.json`);
  const output = resolve(process.argv[3] ?? `${repo}/bench/charts/scale.svg`);
  const s = (JSON.parse(readFileSync(input, 'utf8')) as { scale?: Section }).scale;
  if (!s) {
    console.error(`${input}: no scale section; run "npm run bench -- --scale" first`);
    process.exit(1);
  }
  writeFileSync(output, scaleSvg(s.rows, s.kuredModel));
  console.log(scaleMarkdown(s));
}

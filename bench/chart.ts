// Rollout timelines as SVG, generated from bench/results.json: one panel per rollout (system,
// concurrency, period), one row per node, bars for waiting, drain, reboot and verification,
// all panels on the same time scale so the two systems compare at a glance.
//
//   node bench/chart.ts [results.json] [out.svg]     (defaults: bench/results.json, bench/charts/rollout.svg)

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TimelineEvent } from './stats.ts';
import type { Measurement } from './table.ts';

export interface ChartRollout {
  system: string;
  settings: { concurrency: number; periodSeconds: number };
  completed: boolean;
  wallMs: number;
  /** Times relative to the sentinels appearing (ms). */
  events: TimelineEvent[];
}

const COLORS = { wait: '#d0d7de', drain: '#d29922', reboot: '#cf222e', verify: '#2da44e' } as const;
const ROW = 12;
const LEFT = 70;
const WIDTH = 900;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

interface Bar { kind: keyof typeof COLORS; from: number; to: number }

/** The bars of one node: waiting (sentinel -> cordon), drain, reboot, verification. */
export function nodeBars(events: readonly TimelineEvent[]): Bar[] {
  const at = (k: TimelineEvent['kind'], after = -Infinity) => events.find((e) => e.kind === k && e.t >= after)?.t;
  const s = at('sentinel');
  const cordon = at('cordon', s ?? -Infinity);
  const reboot = cordon !== undefined ? at('reboot', cordon) : undefined;
  const ready = reboot !== undefined ? at('ready', reboot) : undefined;
  const end = ready !== undefined ? Math.max(at('uncordon', ready) ?? ready, at('release', ready) ?? ready) : undefined;
  const bars: Bar[] = [];
  if (s !== undefined && cordon !== undefined) bars.push({ kind: 'wait', from: s, to: cordon });
  if (cordon !== undefined && reboot !== undefined) bars.push({ kind: 'drain', from: cordon, to: reboot });
  if (reboot !== undefined && ready !== undefined) bars.push({ kind: 'reboot', from: reboot, to: ready });
  if (ready !== undefined && end !== undefined) bars.push({ kind: 'verify', from: ready, to: end });
  return bars;
}

export function timelineSvg(rollouts: readonly ChartRollout[]): string {
  const maxMs = Math.max(1, ...rollouts.map((r) => r.wallMs));
  const x = (ms: number) => LEFT + (ms / maxMs) * (WIDTH - LEFT - 10);
  const parts: string[] = [];
  let y = 30;
  for (const r of rollouts) {
    const nodes = [...new Set(r.events.map((e) => e.node))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    parts.push(`<text x="4" y="${y}" font-weight="bold">${esc(`${r.system}, concurrency ${r.settings.concurrency}, period ${r.settings.periodSeconds} s: ${(r.wallMs / 1000).toFixed(0)} s${r.completed ? '' : ' (did not finish)'}`)}</text>`);
    y += 6;
    for (const n of nodes) {
      parts.push(`<text x="4" y="${y + ROW - 3}" font-size="9">${esc(n)}</text>`);
      for (const b of nodeBars(r.events.filter((e) => e.node === n))) {
        parts.push(`<rect x="${x(b.from).toFixed(1)}" y="${y + 1}" width="${Math.max(0.5, x(b.to) - x(b.from)).toFixed(1)}" height="${ROW - 2}" fill="${COLORS[b.kind]}"><title>${esc(`${n} ${b.kind} ${((b.to - b.from) / 1000).toFixed(1)} s`)}</title></rect>`);
      }
      y += ROW;
    }
    y += 24;
  }
  // Axis: ticks every "nice" interval.
  const step = [10, 30, 60, 120, 300, 600, 1200].find((s) => maxMs / 1000 / s <= 12) ?? 1800;
  const axis: string[] = [`<line x1="${LEFT}" y1="${y}" x2="${WIDTH - 10}" y2="${y}" stroke="#57606a"/>`];
  for (let t = 0; t * 1000 <= maxMs; t += step) axis.push(`<line x1="${x(t * 1000)}" y1="${y}" x2="${x(t * 1000)}" y2="${y + 4}" stroke="#57606a"/><text x="${x(t * 1000)}" y="${y + 15}" font-size="9" text-anchor="middle">${t} s</text>`);
  const legend = Object.entries({ wait: 'waiting for the lock', drain: 'drain', reboot: 'reboot (node NotReady)', verify: 'back until lock released' })
    .map(([k, label], i) => `<rect x="${LEFT + i * 190}" y="${y + 26}" width="10" height="10" fill="${COLORS[k as keyof typeof COLORS]}"/><text x="${LEFT + i * 190 + 14}" y="${y + 35}" font-size="10">${label}</text>`);
  const height = y + 45;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n${[...parts, ...axis, ...legend].join('\n')}\n</svg>\n`;
}

export interface FootprintRow { label: string; rssIdle: number | null; rssDrain: number | null; cpuIdle: number | null; cpuDrain: number | null }

/** The footprint rows of results.json's measurements (one per node-options variant, then Kured). */
export function footprintRows(ms: readonly Measurement[]): FootprintRow[] {
  const rows: FootprintRow[] = [];
  const get = (id: string) => ms.find((m) => m.id === id);
  for (let k = 0; get(k === 0 ? 'rss-idle' : `rss-idle@${k}`); k++) {
    const sfx = k === 0 ? '' : `@${k}`;
    const idle = get(`rss-idle${sfx}`)!;
    const opts = String(idle.settings.nodemendNodeOptions ?? '');
    rows.push({ label: `nodemend ${opts || '(no options)'}`, rssIdle: idle.nodemend, rssDrain: get(`rss-drain${sfx}`)?.nodemend ?? null, cpuIdle: get(`cpu-idle${sfx}`)?.nodemend ?? null, cpuDrain: get(`cpu-drain${sfx}`)?.nodemend ?? null });
  }
  const k = get('rss-idle');
  if (k && k.kured !== null) rows.push({ label: 'Kured', rssIdle: k.kured, rssDrain: get('rss-drain')?.kured ?? null, cpuIdle: get('cpu-idle')?.kured ?? null, cpuDrain: get('cpu-drain')?.kured ?? null });
  return rows;
}

/** Horizontal bars: RSS at idle and while draining per variant, CPU as numbers beside them. */
export function footprintSvg(rows: readonly FootprintRow[], title: string): string {
  const labelW = 430;
  const barW = 300;
  const max = Math.max(1, ...rows.flatMap((r) => [r.rssIdle ?? 0, r.rssDrain ?? 0]));
  const x = (mib: number) => (mib / max) * barW;
  const f = (v: number | null, d = 0) => (v === null ? 'n/a' : v.toFixed(d));
  const parts = [`<text x="4" y="18" font-weight="bold">${esc(title)}</text>`];
  let y = 34;
  for (const r of rows) {
    parts.push(`<text x="4" y="${y + 12}" font-size="10">${esc(r.label)}</text>`);
    parts.push(`<rect x="${labelW}" y="${y}" width="${x(r.rssIdle ?? 0).toFixed(1)}" height="8" fill="#0969da"/><text x="${labelW + x(r.rssIdle ?? 0) + 4}" y="${y + 8}" font-size="9">${f(r.rssIdle)} MiB idle, CPU ${f(r.cpuIdle, 2)}%</text>`);
    parts.push(`<rect x="${labelW}" y="${y + 9}" width="${x(r.rssDrain ?? 0).toFixed(1)}" height="8" fill="#d29922"/><text x="${labelW + x(r.rssDrain ?? 0) + 4}" y="${y + 17}" font-size="9">${f(r.rssDrain)} MiB draining, CPU ${f(r.cpuDrain, 2)}%</text>`);
    y += 24;
  }
  const width = labelW + barW + 190;
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

// CLI: node bench/chart.ts [results.json] [out.svg] [--concurrency=C] [--footprint]
if (import.meta.filename === resolve(process.argv[1] ?? '')) {
  const repo = resolve(import.meta.dirname, '..');
  const pos = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const conc = process.argv.find((a) => a.startsWith('--concurrency='))?.split('=')[1];
  const input = resolve(pos[0] ?? `${repo}/bench/results.json`);
  const output = resolve(pos[1] ?? `${repo}/bench/charts/rollout.svg`);
  const data = JSON.parse(readFileSync(input, 'utf8')) as { rollouts?: ChartRollout[]; measurements?: Measurement[]; generated?: string };
  mkdirSync(dirname(output), { recursive: true });
  if (process.argv.includes('--footprint')) {
    writeFileSync(output, footprintSvg(footprintRows(data.measurements ?? []), `Agent footprint (${input.split('/').pop()}, ${data.generated ?? ''})`));
  } else {
    const rs = (data.rollouts ?? []).filter((r) => conc === undefined || r.settings.concurrency === Number(conc));
    if (rs.length === 0) {
      console.error(`${input}: no rollouts to chart; run "npm run bench" first`);
      process.exit(1);
    }
    writeFileSync(output, timelineSvg(rs));
  }
  console.log(`wrote ${output}`);
}

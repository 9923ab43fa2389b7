// Prints a results file's tables as Markdown for docs/benchmarks.md: the measurements (as the
// bench's own table) and one row per rollout, computed with the same unit-tested functions as
// the summary (bench/stats.ts), so the page's numbers can be regenerated from the file.
//   node bench/markdown.ts [bench/results.json]

import { readFileSync } from 'node:fs';
import { detections, handoffs, idealMs, maxConcurrentCordoned, nodeWork, percentile, type TimelineEvent } from './stats.ts';
import { formatMarkdown, type Measurement } from './table.ts';

interface Rollout {
  system: string;
  settings: { concurrency: number; periodSeconds: number };
  completed: boolean;
  wallMs: number;
  events: TimelineEvent[];
}

/** One Markdown row per rollout: wall time, ideal (nodemend only), detection, handoff, safety. */
export function rolloutRows(rollouts: readonly Rollout[]): string {
  const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : 'n/a');
  const out = [
    '| system | concurrency | period | wall s | ideal s | wall / ideal | detection p50 / p95 s | handoff p50 / p95 s | most cordoned at once |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rollouts) {
    // Kured's "verification" (Ready -> uncordon) holds its start-up loop's wait: no ideal for it.
    const ideal = r.system === 'nodemend' ? idealMs(nodeWork(r.events), r.settings.concurrency) : NaN;
    const d = detections(r.events);
    const h = handoffs(r.events);
    const wall = `${(r.wallMs / 1000).toFixed(1)}${r.completed ? '' : ' (unfinished)'}`;
    const cells = [r.system, String(r.settings.concurrency), `${r.settings.periodSeconds} s`, wall, Number.isFinite(ideal) ? (ideal / 1000).toFixed(1) : '—', Number.isFinite(ideal) ? (r.wallMs / ideal).toFixed(2) : '—', `${s(percentile(d, 50))} / ${s(percentile(d, 95))}`, `${s(percentile(h, 50))} / ${s(percentile(h, 95))}`, String(maxConcurrentCordoned(r.events))];
    out.push(`| ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}

if (import.meta.main) {
  const file = process.argv[2] ?? 'bench/results.json';
  const d = JSON.parse(readFileSync(file, 'utf8')) as { measurements: Measurement[]; rollouts: Rollout[] };
  process.stdout.write(`${formatMarkdown(d.measurements)}\n\n${rolloutRows(d.rollouts)}\n`);
}

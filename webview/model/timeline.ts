// The reboot timeline: one bar per recent reboot on a shared time axis, split into the measured
// drain / reboot / verify stages, plus an open bar for each reboot in progress. Positions are
// fractions (0..1) so the view only turns them into percentages.

import type { RebootOutcome } from '../../protocol/model.ts';
import type { ClusterSnapshot, NodeView } from '../../protocol/messages.ts';
import { formatClock, formatDuration } from './format.ts';
import { phaseOf } from './phase.ts';

export type StageKind = 'drain' | 'reboot' | 'verify' | 'other';

export interface Segment {
  kind: StageKind;
  /** Share of the bar's width. */
  share: number;
  ms: number;
}

export interface TimelineRow {
  key: string;
  node: string;
  outcome: RebootOutcome | 'in-progress';
  forced: boolean;
  /** Bar position on the axis, fractions of the axis width. */
  left: number;
  width: number;
  segments: Segment[];
  /** Accessible one-line description. */
  label: string;
}

export interface Timeline {
  rows: TimelineRow[];
  ticks: { at: number; label: string }[];
  /** Median measured stage durations among succeeded reboots shown, when any. */
  medians?: { drain: string; reboot: string; verify: string };
}

interface Item {
  node: string;
  start: number;
  end: number;
  outcome: TimelineRow['outcome'];
  forced: boolean;
  stages: [StageKind, number | undefined][];
}

const STAGE_OF_PHASE: Partial<Record<string, StageKind>> = { draining: 'drain', rebooting: 'reboot', verifying: 'verify' };

export function buildTimeline(s: ClusterSnapshot, byName: ReadonlyMap<string, NodeView>, now: number, limit = 40): Timeline {
  const items: Item[] = [];
  for (const n of s.nodes) {
    for (const r of n.history) {
      const start = Date.parse(r.start);
      const end = Date.parse(r.end);
      if (Number.isNaN(start) || Number.isNaN(end) || end < start) continue;
      items.push({
        node: n.name,
        start,
        end,
        outcome: r.outcome,
        forced: !!r.forced,
        stages: [['drain', r.drainMs], ['reboot', r.rebootMs], ['verify', r.verifyMs]],
      });
    }
  }
  for (const sl of s.locks.slots) {
    const start = sl.since ? Date.parse(sl.since) : NaN;
    if (!sl.holder || Number.isNaN(start)) continue;
    const n = byName.get(sl.holder);
    const stage = (n && STAGE_OF_PHASE[phaseOf(n)]) || 'other';
    items.push({ node: sl.holder, start, end: Math.max(start, now), outcome: 'in-progress', forced: !!n?.state?.forced, stages: [[stage, undefined]] });
  }
  items.sort((a, b) => b.start - a.start || a.node.localeCompare(b.node));
  const shown = items.slice(0, limit);
  if (shown.length === 0) return { rows: [], ticks: [] };
  const from = Math.min(...shown.map((i) => i.start));
  const to = Math.max(...shown.map((i) => i.end), from + 60_000);
  const span = to - from;
  const rows = shown.map((it): TimelineRow => {
    const total = it.end - it.start;
    const segments = split(it, total);
    const parts = segments.filter((g) => g.kind !== 'other').map((g) => `${g.kind} ${formatDuration(g.ms)}`);
    const label = `${it.node}: ${it.outcome}${it.forced ? ' (forced)' : ''}, started ${formatClock(new Date(it.start).toISOString())} UTC, took ${formatDuration(total)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
    return {
      key: `${it.node}@${it.start}`,
      node: it.node,
      outcome: it.outcome,
      forced: it.forced,
      left: (it.start - from) / span,
      width: total / span,
      segments,
      label,
    };
  });
  // Seconds only matter on a short axis.
  const clock = (t: number) => formatClock(new Date(t).toISOString()).slice(0, span >= 600_000 ? 5 : 8);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ at: f, label: clock(from + f * span) }));
  const out: Timeline = { rows, ticks };
  const ok = shown.filter((i) => i.outcome === 'succeeded');
  if (ok.length) {
    const med = (k: number) => formatDuration(median(ok.map((i) => i.stages[k][1]).filter((v): v is number => v !== undefined)));
    out.medians = { drain: med(0), reboot: med(1), verify: med(2) };
  }
  return out;
}

// Measured stages in order; the unmeasured rest (lock bookkeeping, waits) is "other". If the
// measurements add up to more than the bar (clock skew between agent writes), scale them down.
function split(it: Item, total: number): Segment[] {
  if (it.outcome === 'in-progress') return [{ kind: it.stages[0][0], share: 1, ms: total }];
  const measured = it.stages.filter((s): s is [StageKind, number] => s[1] !== undefined && s[1] > 0);
  const sum = measured.reduce((a, s) => a + s[1], 0);
  if (total <= 0) return [];
  const scale = sum > total ? total / sum : 1;
  const segs: Segment[] = measured.map(([kind, ms]) => ({ kind, ms, share: (ms * scale) / total }));
  if (sum < total) segs.push({ kind: 'other', ms: total - sum, share: (total - sum) / total });
  return segs;
}

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

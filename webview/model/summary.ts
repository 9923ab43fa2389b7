// The header: counts per phase and the forecast, in words a person can act on.

import { DISRUPTED_PHASES, PHASES, type Phase } from '../../protocol/model.ts';
import type { ClusterSnapshot } from '../../protocol/messages.ts';
import { formatDuration, formatRelative, formatUtc } from './format.ts';
import { phaseOf } from './phase.ts';

export type Fits = 'yes' | 'no' | 'unknown';

export interface Summary {
  total: number;
  /** Non-zero counts only, in PHASES order (most urgent first). */
  counts: { phase: Phase; count: number }[];
  disrupted: number;
  notReady: number;
  /** Nodes whose request annotations have errors: each needs a person's fix. */
  requestErrors: number;
  forecast: {
    pending: number;
    /** "finishes in 2h 05m (2026-11-24 22:00 UTC)", "nothing pending" or "not enough data: <why>". */
    text: string;
    perNode?: string;
    fits: Fits;
    basis: string;
  };
  /** Banner text when the whole cluster is blocked. */
  clusterBlock?: string;
}

export function summarize(s: ClusterSnapshot, now: number): Summary {
  const byPhase = new Map<Phase, number>();
  let disrupted = 0;
  let notReady = 0;
  let requestErrors = 0;
  for (const n of s.nodes) {
    const p = phaseOf(n);
    byPhase.set(p, (byPhase.get(p) ?? 0) + 1);
    if (DISRUPTED_PHASES.includes(p)) disrupted++;
    if (!n.ready) notReady++;
    if (n.requestErrors.length > 0) requestErrors++;
  }
  const counts = PHASES.filter((p) => byPhase.has(p)).map((phase) => ({ phase, count: byPhase.get(phase) ?? 0 }));
  const f = s.forecast;
  let text: string;
  if (f.pending === 0) text = 'nothing pending';
  else if (!f.enoughData || f.finishAt === undefined) text = `not enough data${f.basis ? `: ${f.basis}` : ''}`;
  else text = `finishes ${formatRelative(f.finishAt, now)} (${formatUtc(f.finishAt)})`;
  const fits: Fits = f.fitsWindow === undefined ? 'unknown' : f.fitsWindow ? 'yes' : 'no';
  const out: Summary = {
    total: s.nodes.length,
    counts,
    disrupted,
    notReady,
    requestErrors,
    forecast: { pending: f.pending, text, fits, basis: f.basis },
  };
  if (f.perNodeMs !== undefined) out.forecast.perNode = formatDuration(f.perNodeMs);
  if (s.clusterBlock) {
    const until = s.clusterBlock.until ? ` until ${formatUtc(s.clusterBlock.until)}` : ' until removed';
    out.clusterBlock = `All reboots blocked${until}: ${s.clusterBlock.reason}`;
  }
  return out;
}

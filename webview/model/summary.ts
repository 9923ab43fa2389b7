// The header: counts per phase and the forecast, in words a person can act on.

import { DISRUPTED_PHASES, PHASES, type Phase } from '../../protocol/model.ts';
import type { ClusterSnapshot } from '../../protocol/messages.ts';
import { heldCount, heldText } from '../../protocol/held.ts';
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
    /**
     * "finishes in 2h 05m (2026-11-24 22:00 UTC)", with "; 3 nodes held (…), not forecast" when
     * some cannot move; "cannot finish: 3 nodes held (2 by PDB shop/api, 1 by a person)" when none
     * can; "nothing pending" or "not enough data: <why>".
     */
    text: string;
    /** Nodes that need a reboot but are held (not in pending). */
    held: number;
    perNode?: string;
    fits: Fits;
    /** "window fit unknown: <why>", when the hub says why. */
    fitNote?: string;
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
  const held = heldText(f.held);
  let text: string;
  if (f.pending === 0) text = held ? `cannot finish: ${held}` : 'nothing pending';
  // The basis already says what is held when there is too little data.
  else if (!f.enoughData || f.finishAt === undefined) text = `not enough data${f.basis ? `: ${f.basis}` : ''}`;
  else text = `finishes ${formatRelative(f.finishAt, now)} (${formatUtc(f.finishAt)})${held ? `; ${held}, not forecast` : ''}`;
  const fits: Fits = f.fitsWindow === undefined ? 'unknown' : f.fitsWindow ? 'yes' : 'no';
  const out: Summary = {
    total: s.nodes.length,
    counts,
    disrupted,
    notReady,
    requestErrors,
    forecast: { pending: f.pending, text, held: heldCount(f.held), fits, basis: f.basis },
  };
  if (fits === 'unknown' && f.fitUnknown) out.forecast.fitNote = `window fit unknown: ${f.fitUnknown}`;
  if (f.perNodeMs !== undefined) out.forecast.perNode = formatDuration(f.perNodeMs);
  if (s.clusterBlock) {
    const until = s.clusterBlock.until ? ` until ${formatUtc(s.clusterBlock.until)}` : ' until removed';
    out.clusterBlock = `All reboots blocked${until}: ${s.clusterBlock.reason}`;
  }
  return out;
}

// When will the current rollout finish, and does it fit the window? Pure: nodes, lock slots and
// the time in, a Forecast out. Honest by construction: with fewer than MIN_SAMPLES measured
// reboots it says so instead of guessing, it never claims a window fit it cannot know, and it
// never forecasts a node that cannot move.
//
// Model: each pending node needs one "reboot slot" of the median measured duration (drain +
// reboot + verify, or lock start to end when stages were not measured). Slots run `concurrency`
// at a time, and at most the per-scope limit at a time in one zone (makespan). Nodes already
// disrupted finish their remaining share first. When the window is closed (nodes wait for it),
// work starts at the earliest published next opening.
// Held nodes (blocked: a person's block, the cluster-wide block, an automatic blocker, a drain
// precheck refused by a PodDisruptionBudget) finish when their hold is lifted, which no history
// predicts: they are grouped by what holds them, read from the agent's published `blockedBy`
// (never from the reason text), and left out of the forecast.

import { publishedConcurrency, publishedScope, scopeValue } from './model.ts';
import { heldText } from '../../protocol/held.ts';
import { blockActive } from '../../protocol/annotations.ts';
import { HELD_NAMES_MAX, type Forecast, type HeldGroup, type LockView, type NodeView } from '../../protocol/messages.ts';
import { DISRUPTED_PHASES, type BlockKind, type RebootRecord } from '../../protocol/model.ts';

export const MIN_SAMPLES = 3;
/** Only the most recent reboots count: durations drift with workloads. */
export const MAX_SAMPLES = 30;

export interface ForecastInput {
  nodes: NodeView[];
  locks: LockView;
  now: number;
  /** End of the currently open window, if the agents publish it; unknown otherwise. */
  windowClosesAt?: number;
  /** Precomputed recentSamples(nodes), so callers can cache them between history changes. */
  samples?: number[];
  /** The cluster-wide block, to classify holds of agents too old to publish `blockedBy`. */
  clusterBlock?: { reason: string; until?: string } | null;
}

/** Durations of the most recent measured reboots across all nodes, newest first. */
export function recentSamples(nodes: NodeView[]): number[] {
  return nodes
    .flatMap((n) => n.history)
    .map((r) => ({ end: r.end, d: recordDuration(r) }))
    .filter((s): s is { end: string; d: number } => s.d !== undefined)
    .sort((a, b) => (a.end < b.end ? 1 : -1))
    .slice(0, MAX_SAMPLES)
    .map((s) => s.d);
}

/** Measured duration of one reboot, ms, or undefined when the record cannot tell. */
export function recordDuration(r: RebootRecord): number | undefined {
  if (r.outcome !== 'succeeded') return undefined;
  const staged = (r.drainMs ?? 0) + (r.rebootMs ?? 0) + (r.verifyMs ?? 0);
  if (staged > 0) return staged;
  const d = Date.parse(r.end) - Date.parse(r.start);
  return Number.isFinite(d) && d > 0 ? d : undefined;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

/**
 * True when the node is part of the current rollout: it needs a reboot, or is in one (a disrupted
 * node keeps its slot even once its sentinel is gone). A node that needs none is never pending,
 * whatever its phase (a blocked node without a pending reboot included). Held nodes are pending
 * too; forecast() sets them apart.
 */
export function isPending(n: NodeView): boolean {
  if (!n.state) return false;
  return n.state.rebootRequired || DISRUPTED_PHASES.includes(n.state.phase);
}

/** Holds in the order a node is filed under when several apply: the one a person must lift first. */
const HOLD_ORDER: readonly (BlockKind | 'unknown')[] = ['manual', 'cluster-manual', 'pdb', 'alerts', 'pods', 'condition-storm', 'other', 'sentinel-unknown', 'unknown'];

/**
 * What holds a pending node, or undefined when it can move. Only the blocked phase holds (a
 * window opens by itself and is forecast from its opening). From the published kinds; an older
 * agent publishes none, and then the person's block on the node or the cluster-wide block (both
 * structured, in the stream) name it, else the cause is unknown.
 */
export function holdOf(n: NodeView, clusterBlock: ForecastInput['clusterBlock'], now: number): { by: HeldGroup['by']; pdb?: string } | undefined {
  const st = n.state;
  if (!st || st.phase !== 'blocked') return undefined;
  const kinds: readonly string[] = (st.blockedBy ?? []).filter((k) => k !== 'window');
  let by: HeldGroup['by'] = HOLD_ORDER.find((k) => kinds.includes(k)) ?? 'unknown';
  if (by === 'unknown' && st.blockedBy === undefined) {
    const until = (b: { until?: string } | null | undefined) => (b?.until === undefined ? undefined : Date.parse(b.until));
    if (n.requests.block && blockActive({ reason: n.requests.block.reason, until: until(n.requests.block) }, now)) by = 'manual';
    else if (clusterBlock && blockActive({ reason: clusterBlock.reason, until: until(clusterBlock) }, now)) by = 'cluster-manual';
  }
  return by === 'pdb' && st.pdbs?.length ? { by, pdb: st.pdbs[0] } : { by };
}

/** Held nodes grouped by hold, largest group first (then in HOLD_ORDER), the first names of each in name order. */
function groupHeld(held: { node: string; by: HeldGroup['by']; pdb?: string }[]): HeldGroup[] {
  const groups = new Map<string, HeldGroup>();
  for (const h of held) {
    const key = `${h.by}\u0000${h.pdb ?? ''}`;
    const g = groups.get(key) ?? { by: h.by, ...(h.pdb ? { pdb: h.pdb } : {}), count: 0, nodes: [] };
    g.count++;
    g.nodes.push(h.node);
    groups.set(key, g);
  }
  const out = [...groups.values()];
  for (const g of out) g.nodes = g.nodes.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).slice(0, HELD_NAMES_MAX);
  const order = (g: HeldGroup) => HOLD_ORDER.indexOf(g.by);
  return out.sort((a, b) => b.count - a.count || order(a) - order(b) || (a.pdb ?? '').localeCompare(b.pdb ?? ''));
}

/**
 * How long the work takes, ms from its start: the reboots under way finish their share, then each
 * queued node takes `per` in a free slot: at most `limit` at a time in the cluster and, with a
 * per-scope limit, at most `perScope` at a time per scope value (a zone). Among the values with
 * room, the one with most nodes left goes first. A node whose value the view does not carry
 * (a scope label other than zone or pool) is limited by the cluster only.
 */
export function makespan(underWay: { left: number; value?: string }[], queued: (string | undefined)[], per: number, limit: number, perScope?: number): number {
  const FREE = '\u0000'; // no scope value known: the cluster limit only
  const key = (v: string | undefined) => (v === undefined || perScope === undefined ? FREE : v);
  const active = underWay.map((r) => ({ end: r.left, key: key(r.value) }));
  const inScope = new Map<string, number>();
  for (const a of active) inScope.set(a.key, (inScope.get(a.key) ?? 0) + 1);
  const left = new Map<string, number>();
  for (const v of queued) left.set(key(v), (left.get(key(v)) ?? 0) + 1);
  let waiting = queued.length;
  let t = 0;
  while (waiting > 0) {
    while (active.length < limit) {
      let best: string | undefined;
      for (const [k, n] of left) {
        if (n === 0 || (k !== FREE && (inScope.get(k) ?? 0) >= perScope!)) continue;
        if (best === undefined || n > left.get(best)!) best = k;
      }
      if (best === undefined) break;
      left.set(best, left.get(best)! - 1);
      waiting--;
      active.push({ end: t + per, key: best });
      inScope.set(best, (inScope.get(best) ?? 0) + 1);
    }
    if (waiting === 0) break;
    // Nothing more fits now: on to the next reboot that ends (there is one: with none running, any
    // node fits; the guard only stops a loop on a limit below 1, which the callers never pass).
    if (active.length === 0) break;
    t = Math.min(...active.map((a) => a.end));
    for (let i = active.length - 1; i >= 0; i--) {
      if (active[i].end > t) continue;
      inScope.set(active[i].key, inScope.get(active[i].key)! - 1);
      active.splice(i, 1);
    }
  }
  return Math.max(t, ...active.map((a) => a.end));
}

export function forecast(inp: ForecastInput): Forecast {
  const heldNodes: { node: string; by: HeldGroup['by']; pdb?: string }[] = [];
  const pendingNodes: NodeView[] = [];
  for (const n of inp.nodes.filter(isPending)) {
    const h = holdOf(n, inp.clusterBlock, inp.now);
    if (h) heldNodes.push({ node: n.name, ...h });
    else pendingNodes.push(n);
  }
  const pending = pendingNodes.length;
  const held = groupHeld(heldNodes);
  const withHeld = (f: Forecast): Forecast => (held.length ? { ...f, held } : f);
  const heldNote = held.length ? `; ${heldText(held)}, not forecast` : '';
  if (pending === 0) {
    if (!held.length) return { pending: 0, enoughData: true, basis: 'no node needs a reboot' };
    return withHeld({ pending: 0, enoughData: true, fitUnknown: 'no node can move', basis: `cannot finish: ${heldText(held)}` });
  }

  const samples = inp.samples ?? recentSamples(inp.nodes);
  if (samples.length < MIN_SAMPLES) {
    return withHeld({
      pending,
      enoughData: false,
      fitUnknown: 'no finish time without enough measured reboots',
      basis: `only ${samples.length} measured reboot${samples.length === 1 ? '' : 's'}; need ${MIN_SAMPLES} to forecast${heldNote}`,
    });
  }
  const per = median(samples);
  const published = publishedConcurrency(inp.nodes);
  const concurrency = published ?? Math.max(1, inp.locks.slots.filter((s) => s.scope === 'cluster').length);

  // Work already under way: what is left of each disrupted node's reboot (at least 0).
  const running = pendingNodes.filter((n) => DISRUPTED_PHASES.includes(n.state!.phase));
  const scope = publishedScope(inp.nodes);
  const valueOf = (n: NodeView) => (scope ? scopeValue(n, scope.label) : undefined);
  // Elapsed time counts from lock acquisition (the whole reboot), else from the phase start.
  const lockSince = new Map(inp.locks.slots.filter((s) => s.holder && s.since).map((s) => [s.holder!, s.since!]));
  const underWay = running.map((n) => {
    const since = Date.parse(lockSince.get(n.name) ?? n.state!.since);
    return { left: Math.max(0, per - Math.max(0, inp.now - (Number.isFinite(since) ? since : inp.now))), value: valueOf(n) };
  });
  const queued = pendingNodes.filter((n) => !DISRUPTED_PHASES.includes(n.state!.phase)).map(valueOf);
  const span = makespan(underWay, queued, per, concurrency, scope?.limit);

  const opens = pendingNodes
    .filter((n) => n.state!.phase === 'waiting-window' && n.state!.nextWindow)
    .map((n) => Date.parse(n.state!.nextWindow!))
    .filter(Number.isFinite);
  const windowClosed = running.length === 0 && opens.length > 0;
  const start = windowClosed ? Math.max(inp.now, Math.min(...opens)) : inp.now;
  const finish = start + span;

  const out: Forecast = {
    pending,
    enoughData: true,
    perNodeMs: per,
    finishAt: new Date(finish).toISOString(),
    basis: `median of ${samples.length} recent reboots, ${concurrency} at a time${scope ? `, ${scope.limit} per ${scope.label.slice(scope.label.lastIndexOf('/') + 1)}` : ''}${published === undefined ? ' (no agent publishes its limit: counted from the lock Leases)' : ''}` + (windowClosed ? ', from the next window opening' : '') + heldNote,
  };
  if (windowClosed) {
    out.fitUnknown = 'the window is closed; the agents publish its end once it opens';
  } else if (inp.windowClosesAt !== undefined) {
    out.fitsWindow = finish <= inp.windowClosesAt;
  } else {
    out.fitUnknown = 'no agent publishes a window end (no reboot window is configured, or the agents are older)';
  }
  return withHeld(out);
}

// When will the current rollout finish, and does it fit the window? Pure: nodes, lock slots and
// the time in, a Forecast out. Honest by construction: with fewer than MIN_SAMPLES measured
// reboots it says so instead of guessing, and it never claims a window fit it cannot know.
//
// Model: each pending node needs one "reboot slot" of the median measured duration (drain +
// reboot + verify, or lock start to end when stages were not measured). Slots run `concurrency`
// at a time. Nodes already disrupted finish their remaining share first. When the window is
// closed (nodes wait for it), work starts at the earliest published next opening.

import { publishedConcurrency } from './model.ts';
import type { Forecast, LockView, NodeView } from '../../protocol/messages.ts';
import { DISRUPTED_PHASES, type Phase, type RebootRecord } from '../../protocol/model.ts';

export const MIN_SAMPLES = 3;
/** Only the most recent reboots count: durations drift with workloads. */
export const MAX_SAMPLES = 30;

const QUIET: readonly Phase[] = ['healthy', 'unknown'];

export interface ForecastInput {
  nodes: NodeView[];
  locks: LockView;
  now: number;
  /** End of the currently open window, if the agents publish it; unknown otherwise. */
  windowClosesAt?: number;
  /** Precomputed recentSamples(nodes), so callers can cache them between history changes. */
  samples?: number[];
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

/** True when the node is part of the current rollout: it needs, waits for or is in a reboot. */
export function isPending(n: NodeView): boolean {
  if (!n.state) return false;
  return n.state.rebootRequired || !QUIET.includes(n.state.phase);
}

export function forecast(inp: ForecastInput): Forecast {
  const pendingNodes = inp.nodes.filter(isPending);
  const pending = pendingNodes.length;
  if (pending === 0) return { pending: 0, enoughData: true, basis: 'no node needs a reboot' };

  const samples = inp.samples ?? recentSamples(inp.nodes);
  if (samples.length < MIN_SAMPLES) {
    return {
      pending,
      enoughData: false,
      basis: `only ${samples.length} measured reboot${samples.length === 1 ? '' : 's'}; need ${MIN_SAMPLES} to forecast`,
    };
  }
  const per = median(samples);
  const published = publishedConcurrency(inp.nodes);
  const concurrency = published ?? Math.max(1, inp.locks.slots.filter((s) => s.scope === 'cluster').length);

  // Work already under way: what is left of each disrupted node's reboot (at least 0).
  const running = pendingNodes.filter((n) => DISRUPTED_PHASES.includes(n.state!.phase));
  const lanes: number[] = Array.from({ length: concurrency }, () => 0);
  // Elapsed time counts from lock acquisition (the whole reboot), else from the phase start.
  const lockSince = new Map(inp.locks.slots.filter((s) => s.holder && s.since).map((s) => [s.holder!, s.since!]));
  for (const n of running) {
    const since = Date.parse(lockSince.get(n.name) ?? n.state!.since);
    const left = Math.max(0, per - Math.max(0, inp.now - (Number.isFinite(since) ? since : inp.now)));
    const i = lanes.indexOf(Math.min(...lanes));
    lanes[i] += left;
  }
  const queued = pending - running.length;
  for (let k = 0; k < queued; k++) {
    const i = lanes.indexOf(Math.min(...lanes));
    lanes[i] += per;
  }

  const opens = pendingNodes
    .filter((n) => n.state!.phase === 'waiting-window' && n.state!.nextWindow)
    .map((n) => Date.parse(n.state!.nextWindow!))
    .filter(Number.isFinite);
  const windowClosed = running.length === 0 && opens.length > 0;
  const start = windowClosed ? Math.max(inp.now, Math.min(...opens)) : inp.now;
  const finish = start + Math.max(...lanes);

  const out: Forecast = {
    pending,
    enoughData: true,
    perNodeMs: per,
    finishAt: new Date(finish).toISOString(),
    basis: `median of ${samples.length} recent reboots, ${concurrency} at a time${published === undefined ? ' (no agent publishes its limit: counted from the lock Leases)' : ''}` + (windowClosed ? ', from the next window opening' : ''),
  };
  if (windowClosed) {
    out.basis += '; window length unknown, fit unknown';
  } else if (inp.windowClosesAt !== undefined) {
    out.fitsWindow = finish <= inp.windowClosesAt;
  } else {
    out.basis += '; window end not published, fit unknown';
  }
  return out;
}

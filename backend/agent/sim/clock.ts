// Each simulated machine's own wall clock: true time plus an offset (clock skew). The agent of
// that machine reads it for every decision (the maintenance window, stage times) and its lock
// writes renewTime and acquireTime from it, as an agent on a machine with a wrong clock would.
// An offset can change while the agent runs (an NTP step); the history is kept so an observer
// can tell what a machine's clock showed at any true moment.

import type { Clock } from '../ports.ts';

export class SimClocks {
  /** Per machine: offsets in ms with the true time from which each applied, oldest first. */
  private readonly history = new Map<string, { from: number; offsetMs: number }[]>();

  /** The machine's clock now shows true time + offsetMs (from this true moment on). */
  set(node: string, offsetMs: number, at = Date.now()): void {
    if (!Number.isFinite(offsetMs)) throw new Error(`clock offset of ${node} must be a finite number of ms, got ${offsetMs}`);
    const h = this.history.get(node) ?? [];
    h.push({ from: at, offsetMs });
    this.history.set(node, h);
  }

  /** What the machine's clock was ahead of true time (negative: behind) at true time t. */
  offsetAt(node: string, t = Date.now()): number {
    const h = this.history.get(node);
    if (!h) return 0;
    let off = 0;
    for (const e of h) if (e.from <= t) off = e.offsetMs;
    return off;
  }

  /** The clock an agent on this machine runs with; it follows later steps of the offset. */
  clock(node: string): Clock {
    return { now: () => Date.now() + this.offsetAt(node), sleep };
  }

  /** Machines with an offset, and their current offset. */
  offsets(): Record<string, number> {
    return Object.fromEntries([...this.history.keys()].map((n) => [n, this.offsetAt(n)]));
  }
}

/** A skew moves the clock, not the passage of time: sleeps are true durations. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

// Lock slots and the waiting queue: who holds each slot, for how long, at what stage; who waits,
// in order, and why each waiting node is not moving.

import type { ClusterSnapshot, NodeView } from '../../protocol/messages.ts';
import { drainInfo } from './drain.ts';
import { formatDuration, formatRelative, formatUtc } from './format.ts';
import { PHASE_LABEL, phaseOf } from './phase.ts';

export interface SlotRow {
  name: string;
  scope: string;
  holder?: string;
  /** "12m 03s" held so far. */
  heldFor?: string;
  since?: string;
  stage?: string;
  drain?: string;
  /** "in 40s" / "12s ago" when the hub reports the lease expiry; a past expiry means stale. */
  expires?: string;
  expired: boolean;
  /** A holder we have no node for: the lock may be stale (the agent expires it, but say so). */
  unknownHolder: boolean;
}

export interface WaitingRow {
  position: number;
  node: string;
  reason: string;
  waitedFor?: string;
}

export function lockRows(
  s: ClusterSnapshot,
  byName: ReadonlyMap<string, NodeView>,
  now: number,
): { slots: SlotRow[]; waiting: WaitingRow[]; free: number } {
  const slots = s.locks.slots.map((sl): SlotRow => {
    const row: SlotRow = { name: sl.name, scope: sl.scope, unknownHolder: false, expired: false };
    if (!sl.holder) return row;
    const exp = sl.expiresAt ? Date.parse(sl.expiresAt) : NaN;
    if (!Number.isNaN(exp)) {
      row.expires = formatRelative(sl.expiresAt, now);
      row.expired = exp < now;
    }
    row.holder = sl.holder;
    const since = sl.since ? Date.parse(sl.since) : NaN;
    if (!Number.isNaN(since)) {
      row.heldFor = formatDuration(Math.max(0, now - since));
      row.since = formatUtc(sl.since);
    }
    const n = byName.get(sl.holder);
    // The lease's own stage (acquired, cordoned, drained, rebooting) says how far the holder got
    // even when its node state lags; show both when they are there.
    const lease = sl.stage ? `lease: ${sl.stage}` : '';
    if (!n) {
      row.unknownHolder = true;
      if (lease) row.stage = lease;
      return row;
    }
    row.stage = PHASE_LABEL[phaseOf(n)] + (lease ? ` (${lease})` : '');
    const d = drainInfo(n);
    if (d && phaseOf(n) === 'draining') row.drain = d.text;
    return row;
  });
  const waiting = s.locks.waiting.map((name, i): WaitingRow => {
    const n = byName.get(name);
    const row: WaitingRow = { position: i + 1, node: name, reason: n?.state?.reason || (n ? 'no agent state' : 'node not found') };
    const since = n?.state?.since ? Date.parse(n.state.since) : NaN;
    if (!Number.isNaN(since)) row.waitedFor = formatDuration(Math.max(0, now - since));
    return row;
  });
  return { slots, waiting, free: slots.filter((r) => !r.holder).length };
}

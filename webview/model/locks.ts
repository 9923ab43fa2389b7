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

/** Slots in use and allowed in one scope: the cluster's, or one value of the scope label. */
export interface ScopeUse {
  /** "cluster", or the scope label (e.g. "topology.kubernetes.io/zone"); "" for a slot group whose label is unknown. */
  label: string;
  /** The label's value (zone "a"); undefined for the cluster and unknown labels. */
  value?: string;
  used: number;
  total: number;
}

/**
 * Use per scope. A node holds a cluster slot and its zone's slot at once, so a sum over all slots
 * ("4 of 5 in use") counts it twice and mixes limits: each scope is counted on its own. Scopes
 * are "cluster", "<label>=<value>" (the slot's annotation), or a slot group's name slug for Leases
 * written before the annotation existed (shown as is).
 */
export function scopeUse(slots: readonly { scope: string; holder?: string }[]): ScopeUse[] {
  const by = new Map<string, ScopeUse>();
  for (const sl of slots) {
    let u = by.get(sl.scope);
    if (!u) {
      const eq = sl.scope.indexOf('=');
      u = sl.scope === 'cluster' ? { label: 'cluster', used: 0, total: 0 } : eq < 0 ? { label: '', value: sl.scope, used: 0, total: 0 } : { label: sl.scope.slice(0, eq), value: sl.scope.slice(eq + 1), used: 0, total: 0 };
      by.set(sl.scope, u);
    }
    u.total++;
    if (sl.holder) u.used++;
  }
  const rank = (u: ScopeUse) => (u.label === 'cluster' ? 0 : u.label === '' ? 2 : 1);
  return [...by.values()].sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label) || (a.value ?? '').localeCompare(b.value ?? '', undefined, { numeric: true }));
}

/** "cluster 2/2 · zone a 0/1 · b 1/1": the label is named once (its last path segment), before its first value. */
export function scopeText(uses: readonly ScopeUse[]): string {
  let last: string | undefined;
  return uses
    .map((u) => {
      if (u.label === 'cluster') return `cluster ${u.used}/${u.total}`;
      const value = u.value === '' ? '(unlabelled)' : u.value;
      const head = u.label !== '' && u.label !== last ? `${u.label.slice(u.label.lastIndexOf('/') + 1)} ` : '';
      last = u.label;
      return `${head}${value} ${u.used}/${u.total}`;
    })
    .join(' · ');
}

export function lockRows(
  s: ClusterSnapshot,
  byName: ReadonlyMap<string, NodeView>,
  now: number,
): { slots: SlotRow[]; waiting: WaitingRow[]; free: number; scopes: string } {
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
  return { slots, waiting, free: slots.filter((r) => !r.holder).length, scopes: scopeText(scopeUse(s.locks.slots)) };
}

// Pure lock-slot arithmetic: which Lease names form a group (the cluster's M slots, or the N slots
// of one scope value such as a zone), whether a held slot may be taken over, and which slot this
// node should try. No I/O: the adapter (lease.ts) reads Leases and holder Nodes and feeds them in.
// The names themselves are protocol/leases.ts.


/**
 * One slot Lease as this process has seen it. The times are this process's own clock: when it saw
 * the record change, never the times another node wrote into it (renewTime, stage-at). Comparing
 * this node's clock with another node's made a live holder look stale once the two clocks were
 * further apart than the grace, and a takeover then broke the concurrency promise. client-go's
 * leader election judges the same way (observedTime).
 */
export interface SlotLease {
  name: string;
  holder?: string;
  stage?: string;
  /** When this process first saw the record as it is now (any write changes it: a renewal, a stage). */
  seenChangeMs: number;
  /** When this process first saw the holder in its current stage. */
  seenStageMs: number;
}

/** A slot Lease as read: the parts whose changes are observed. */
export interface SlotRecord {
  name: string;
  holder?: string;
  stage?: string;
  /** As written, compared only for change. */
  stageAt?: string;
  /** Changes with every write (the resourceVersion). */
  version: string;
}

/** What the adapter found out about a holder's Node. */
export type HolderStatus =
  | { kind: 'absent' }
  /**
   * readySinceMs: when this process first saw the holder Ready (its own clock; the Node's
   * lastTransitionTime is the kubelet's). disrupted: why the Ready node is still out of service
   * (nodemend's cordon, a disrupted published phase).
   */
  | { kind: 'ready'; readySinceMs?: number; disrupted?: string }
  | { kind: 'notready' }
  | { kind: 'unknown'; error: string };

export interface StaleRules {
  /** A Ready holder whose record has not changed for this long (since it became Ready) has lost its agent. */
  graceMs: number;
  /** A NotReady holder keeps its slot this long after it started rebooting (or last renewed). */
  maxRebootMs: number;
}

/** HolderStatus.disrupted of a Ready holder that still carries nodemend's cordon marker. */
export const STILL_CORDONED = 'still cordoned by nodemend';

export type Verdict = { state: 'free' } | { state: 'held'; reason: string } | { state: 'stale'; reason: string };

const sec = (ms: number) => `${Math.round(ms / 1000)}s`;

export function verdict(l: SlotLease, h: HolderStatus | undefined, now: number, rules: StaleRules): Verdict {
  if (!l.holder) return { state: 'free' };
  const who = `held by ${l.holder}`;
  if (!h) return { state: 'held', reason: who };
  switch (h.kind) {
    case 'absent':
      // A deleted node will never release: its slot is free at once (Kured's ghost locks).
      return { state: 'stale', reason: `holder ${l.holder} was deleted` };
    case 'unknown':
      // Fail closed: a holder we cannot see might be mid-reboot.
      return { state: 'held', reason: `${who} (cannot read its node: ${h.error})` };
    case 'notready': {
      // A node that is down is disrupted whether or not its agent renews: keep its slot so a slow
      // reboot never lets an extra node in, but not forever.
      const down = now - disruptedSince(l);
      if (down > rules.maxRebootMs) return { state: 'stale', reason: `holder ${l.holder} NotReady ${sec(down)}, longer than the maximum reboot duration ${sec(rules.maxRebootMs)}` };
      return { state: 'held', reason: `${who} (NotReady, rebooting for ${sec(down)})` };
    }
    case 'ready': {
      // Ready but still out of service (cordoned by nodemend, or publishing draining/rebooting/
      // verifying): taking its slot puts one node too many out of service, so it keeps the slot
      // like a NotReady holder (chaos seed 60). While nodemend's cordon is on it, for good: the
      // node is out of service whatever its agent does, and recovering the slot past the maximum
      // reboot duration let one node too many out (chaos finding 9, an agent cut off from the API
      // server). A person frees it by taking the node back (uncordon, remove the marker).
      if (h.disrupted === STILL_CORDONED) {
        const out = now - disruptedSince(l);
        const hint = out > rules.maxRebootMs ? `; its agent has not renewed for ${sec(out)}: check its agent, or take the node back (kubectl uncordon ${l.holder}; kubectl annotate node ${l.holder} nodemend.dev/cordoned-by-) to free the slot` : '';
        return { state: 'held', reason: `${who} (Ready, ${h.disrupted}${hint})` };
      }
      if (h.disrupted) {
        const out = now - disruptedSince(l);
        if (out > rules.maxRebootMs) return { state: 'stale', reason: `holder ${l.holder} is Ready but ${h.disrupted} and silent for ${sec(out)}, longer than the maximum reboot duration ${sec(rules.maxRebootMs)}` };
        return { state: 'held', reason: `${who} (Ready, ${h.disrupted})` };
      }
      // Count the grace from when the node came back too: after a long reboot the last renewal is
      // old, and the fresh agent needs a moment to start and find its lock.
      const last = Math.max(l.seenChangeMs, h.readySinceMs ?? 0);
      const silent = now - last;
      if (silent > rules.graceMs) return { state: 'stale', reason: `holder ${l.holder} is Ready but has not renewed for ${sec(silent)} (grace ${sec(rules.graceMs)})` };
      return { state: 'held', reason: who };
    }
  }
}

/** Since when a disrupted holder counts as out of service: its reboot, else its last sign of life. */
function disruptedSince(l: SlotLease): number {
  return l.stage === 'rebooting' ? l.seenStageMs : l.seenChangeMs;
}

/**
 * This process's observations of slot records and holder Nodes, by its own clock. Something first
 * seen now counts as changed now: an agent that just started waits a whole grace before it calls
 * a holder stale, as client-go's leader election does. Observations only ever make a holder look
 * fresher than it is, never staler: a takeover is then a compare-and-swap on the very record whose
 * age was measured, so it succeeds only if the holder really wrote nothing for that long.
 */
export class Observations {
  private readonly records = new Map<string, { version: string; stageKey: string; changed: number; stageSince: number }>();
  private readonly holders = new Map<string, { kind: string; since: number }>();

  /**
   * Forgets everything seen: after a time in which this process could not see the Leases (its
   * Lease watch or a Lease call failed), what follows counts as first seen now. Silence measured
   * across that time is this process's blindness, not the holder's: a holder whose agent sat out
   * the same API server outage in its back-off gets a whole grace of reachable API server to renew
   * (docs/reliability.md, finding 10).
   */
  forget(): void {
    this.records.clear();
    this.holders.clear();
  }

  /** The slot with the local times of its last change and of its current stage. */
  slot(r: SlotRecord, now: number): SlotLease {
    const stageKey = `${r.holder ?? ''}|${r.stage ?? ''}|${r.stageAt ?? ''}`;
    let o = this.records.get(r.name);
    if (!o) {
      o = { version: r.version, stageKey, changed: now, stageSince: now };
      this.records.set(r.name, o);
    }
    if (o.version !== r.version) {
      o.version = r.version;
      o.changed = now;
    }
    if (o.stageKey !== stageKey) {
      o.stageKey = stageKey;
      o.stageSince = now;
    }
    const s: SlotLease = { name: r.name, seenChangeMs: o.changed, seenStageMs: o.stageSince };
    if (r.holder) s.holder = r.holder;
    if (r.stage) s.stage = r.stage;
    return s;
  }

  /** The holder's status, a Ready one with the local time it was first seen Ready. */
  holder(node: string, h: HolderStatus, now: number): HolderStatus {
    if (h.kind === 'unknown') return h;
    let o = this.holders.get(node);
    if (!o || o.kind !== h.kind) this.holders.set(node, (o = { kind: h.kind, since: now }));
    return h.kind === 'ready' ? { ...h, readySinceMs: o.since } : h;
  }
}

export interface SlotView {
  name: string;
  index: number;
  holder?: string;
  verdict: Verdict;
}

export type Choice =
  | { kind: 'mine'; name: string }
  | { kind: 'take'; name: string; takeover?: string }
  /** reason: live detail (who holds the slots, NotReady for how long), for logs; summary: fit to publish. */
  | { kind: 'full'; reason: string; summary: string };

/** Nodes another tool's lock holds (Kured's, during a cutover): out of service as much as nodemend's holders. */
export interface ForeignHolders {
  /** Where that lock is, for reasons, e.g. "Kured's lock on DaemonSet kube-system/kured". */
  what: string;
  nodes: string[];
}

/** "the only slot of topology.kubernetes.io/zone=c is taken", "all 2 slots of the cluster are taken". */
function takenText(limit: number, what: string): string {
  const of = what === 'cluster' ? 'the cluster' : what;
  return limit === 1 ? `the only slot of ${of} is taken` : `all ${limit} slots of ${of} are taken`;
}

/**
 * The slot this node should try in a group of `limit` slots. Leases beyond the limit (left from a
 * larger limit) still count as holders, so lowering the limit never lets more nodes in. Foreign
 * holders count too (each node once: one holding both locks is one node out of service).
 */
export function choose(me: string, limit: number, what: string, slots: SlotView[], nameOf: (i: number) => string, foreign?: ForeignHolders): Choice {
  const mine = slots.find((s) => s.holder === me);
  if (mine) return { kind: 'mine', name: mine.name };
  const active = slots.filter((s) => s.verdict.state === 'held');
  const ours = new Set(active.map((s) => s.holder));
  const others = (foreign?.nodes ?? []).filter((n) => n !== me && !ours.has(n));
  if (active.length + others.length >= limit) {
    const who = [...active.map((s) => (s.verdict.state === 'held' ? s.verdict.reason : '')), ...others.map((n) => `held by ${n} (${foreign!.what})`)].join('; ');
    // The summary is published in every waiting node's state, so it must not change while the
    // node waits: live detail ("rebooting for 23s") rewrote each waiting Node once a second, and
    // the holders' names once per handoff, W Node writes per handoff for W waiters (both found by
    // the bench). Who holds the slots is in the Leases, which the hub shows; the foreign holders
    // are not, so their names are published (they change only when that lock changes).
    const by = others.length ? ` (${others.length} by ${foreign!.what}: ${others.join(', ')})` : '';
    const taken = takenText(limit, what);
    return { kind: 'full', reason: `${taken}: ${who}`, summary: `${taken}${by}` };
  }
  const byIndex = new Map(slots.map((s) => [s.index, s]));
  for (let i = 0; i < limit; i++) {
    const s = byIndex.get(i);
    if (!s) return { kind: 'take', name: nameOf(i) };
    if (s.verdict.state === 'free') return { kind: 'take', name: s.name };
    if (s.verdict.state === 'stale') return { kind: 'take', name: s.name, takeover: s.verdict.reason };
  }
  const reason = `no free ${what} slot below the limit ${limit} (a slot above the limit is still held)`;
  return { kind: 'full', reason, summary: reason };
}

/**
 * Lease call timeouts, bounded below the grace. A holder renews every grace/3 and each call gives
 * up after at most grace/3, so its writes land less than 2/3 of the grace apart while the API
 * server answers at all; the last third is the watchers' informer delay. A call may need this
 * long on a loaded API server (the chaos runs inject 2-5 s on Lease writes), so the grace must be
 * at least three times it: config.ts refuses a shorter --stale-lock-grace.
 */
export const MIN_LEASE_CALL_MS = 5_000;
export const MAX_LEASE_CALL_MS = 15_000;
export const MIN_STALE_LOCK_GRACE_MS = 3 * MIN_LEASE_CALL_MS;

export function leaseCallTimeoutMs(graceMs: number): number {
  return Math.min(MAX_LEASE_CALL_MS, Math.floor(graceMs / 3));
}

/** The first waiters may go at once; each place further back waits this much longer. */
export const TURN_STEP_MS = 250;
/** Places counted at most: a marker left by a dead waiter ahead delays the rest by at most this many steps. */
export const TURN_MAX_STEPS = 8;

/**
 * When a slot frees up, how long this waiter lets the ones ahead of it in the queue go first (ms),
 * or undefined when no slot looks free. Without it every waiter raced for the slot at once: W
 * Lease writes (W-1 of them refused with 409) and W re-reads per handoff, which slowed the winner
 * on a busy API server (the bench: lock to cordon 0.3-0.9 s with 16 waiters). The queue is the
 * waiting markers' order (oldest first), so this also makes the lock first come, first served.
 * It only orders: the Lease write decides who gets the slot, and a waiter with no marker
 * (position unknown) goes at once.
 */
export function turnDelay(free: number, position: number | undefined): number | undefined {
  if (free <= 0) return undefined;
  if (position === undefined || position <= free) return 0;
  return TURN_STEP_MS * Math.min(position - free, TURN_MAX_STEPS);
}

/** Free slots of a group of `limit` slots as the cache shows them (holders only: staleness needs the holders' Nodes). */
export function freeSlots(limit: number, holders: readonly (string | undefined)[]): number {
  return Math.max(0, limit - holders.filter((h) => h !== undefined && h !== '').length);
}

// The one place the agent's Facts change: reduce(facts, observation) -> facts. Event handlers
// (informers, the sentinel watch, Lease changes) and executed actions only say what they saw, as
// an Observation; this pure function folds it in, the way the hub's state.ts folds cluster objects
// into its model. It never mutates its input, and it returns the very same object when the
// observation changes nothing, so a caller can tell news (wake the loop) from noise.

import type { RebootOutcome } from '../../../protocol/model.ts';
import type { Facts, Mark } from '../core/types.ts';
import type { KuredCordonFacts, KuredLockFact } from '../lock/kured.ts';
import type { DrainResult, HeldLock, LockLost, NodeFacts, PdbBlock, SentinelResult } from '../ports.ts';

type Health = NonNullable<Facts['health']>['value'];

export type Observation =
  /** The informer caches at the start of a round: this Node, the DaemonSet's annotations, Kured's lock. */
  | { kind: 'caches'; node: NodeFacts | undefined; cluster: Record<string, string>; kured?: KuredLockFact }
  /** The lock this node holds, read from the Leases (once, at start-up). */
  | { kind: 'lock-read'; held: HeldLock | undefined }
  | { kind: 'lock-unreadable'; error: string }
  /** Instants a previous process of this agent published (taken over after a restart). */
  | { kind: 'resumed'; marks: Partial<Record<Mark, number>> }
  /** Instants the core asked to remember (Decision.mark), first seen at `at`. */
  | { kind: 'marked'; marks: readonly Mark[]; at: number }
  | { kind: 'sentinel'; value: SentinelResult }
  | { kind: 'blockers'; at: number; value: { name: string; reason: string }[] }
  | { kind: 'precheck'; at: number; value: PdbBlock[] }
  | { kind: 'health'; at: number; value: Health }
  /** No lock slot was free: who holds them (a stable text), and whether more waiters are ahead than slots. */
  | { kind: 'no-slot'; at: number; reason: string; behind: boolean }
  | { kind: 'acquired'; lock: HeldLock }
  /** A new stage was stored in every held Lease. */
  | { kind: 'advanced'; lock: HeldLock }
  /** A held slot was taken over by another node. */
  | ({ kind: 'lock-lost' } & LockLost)
  /** A slot may be free: a waiting node tries again at `retryAt` (its turn in the queue) unless it would sooner. */
  | { kind: 'slot-turn'; retryAt: number }
  | { kind: 'drain-failed'; at: number; result: DrainResult }
  | { kind: 'reboot-issued'; at: number }
  | { kind: 'kured-cordon'; at: number; value: KuredCordonFacts }
  /** An adoption of Kured's cordon was tried: whatever happened, gather afresh before another. */
  | { kind: 'kured-cordon-stale' }
  /** The lock was released: the attempt is over. */
  | { kind: 'released'; at: number; outcome: RebootOutcome; reason: string; dryRun: boolean };

export function reduce(f: Facts, o: Observation): Facts {
  switch (o.kind) {
    case 'caches': {
      const next: Facts = { ...f, cluster: o.cluster };
      if (o.node) next.node = o.node;
      else delete next.node;
      if (o.kured !== undefined) next.kured = o.kured;
      return next;
    }
    case 'lock-read':
      return { ...f, lock: o.held ? { read: true, held: o.held } : { read: true } };
    case 'lock-unreadable':
      return { ...f, lock: { read: false, error: o.error } };
    case 'resumed':
    case 'marked': {
      const add = o.kind === 'resumed' ? o.marks : Object.fromEntries(o.marks.map((m) => [m, o.at]));
      const fresh = Object.entries(add).filter(([m, at]) => at !== undefined && f.marks[m as Mark] === undefined);
      return fresh.length ? { ...f, marks: { ...f.marks, ...Object.fromEntries(fresh) } } : f;
    }
    case 'sentinel':
      return { ...f, sentinel: o.value };
    case 'blockers':
      return { ...f, blockers: { at: o.at, value: o.value } };
    case 'precheck':
      return { ...f, precheck: { at: o.at, value: o.value } };
    case 'health':
      return { ...f, health: { at: o.at, value: o.value } };
    case 'no-slot':
      // A fresh failure: any retry time a freed slot had set was for the attempt just made.
      return { ...f, acquireFailure: { at: o.at, value: { reason: o.reason, ...(o.behind ? { behind: true } : {}) } } };
    case 'acquired': {
      const { acquireFailure: _a, drain: _d, ...rest } = f;
      return { ...rest, lock: { read: true, held: o.lock } };
    }
    case 'advanced':
      return { ...f, lock: { read: true, held: o.lock } };
    case 'lock-lost': {
      const held = f.lock.read ? f.lock.held : undefined;
      if (!held || !held.leases.includes(o.lease)) return f;
      const reason = lostReason(o);
      const lost = { reason: held.lost ? `${held.lost.reason}; ${reason}` : reason, at: o.at };
      return { ...f, lock: { read: true, held: { ...held, leases: held.leases.filter((n) => n !== o.lease), lost } } };
    }
    case 'slot-turn': {
      const a = f.acquireFailure;
      if (!a || (a.value.retryAt !== undefined && a.value.retryAt <= o.retryAt)) return f;
      return { ...f, acquireFailure: { at: a.at, value: { ...a.value, retryAt: o.retryAt } } };
    }
    case 'drain-failed':
      return { ...f, drain: { at: o.at, value: o.result } };
    case 'reboot-issued':
      return { ...f, rebootIssuedAt: o.at };
    case 'kured-cordon':
      return { ...f, kuredCordon: { at: o.at, value: o.value } };
    case 'kured-cordon-stale': {
      if (f.kuredCordon === undefined) return f;
      const { kuredCordon: _k, ...rest } = f;
      return rest;
    }
    case 'released': {
      // What belonged to the attempt goes; the outcome stays for the next decisions (back-off, rehearsal).
      const { drain: _d, health: _h, rebootIssuedAt: _r, precheck: _p, ...rest } = f;
      const next: Facts = { ...rest, lock: { read: true }, marks: {} };
      if (o.dryRun) next.dryRunAt = o.at;
      else if (o.outcome === 'failed') next.lastFailure = { at: o.at, value: o.reason };
      return next;
    }
  }
}

/** The words for a slot taken over (the LockLost Event and the lost lock's reason share them). */
export function lostReason(l: LockLost): string {
  return `Lease ${l.lease} was taken over by ${l.holder || 'nobody (emptied)'}`;
}

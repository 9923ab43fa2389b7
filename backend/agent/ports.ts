// The agent's ports: the only ways the decision core and the runtime loop touch the world.
// Kubernetes, the host, the clock and randomness are injected through these, so the core stays
// pure and the same runtime drives a real node (DaemonSet) or a simulated one (tests, demo).

import type { AgentNodeState, RebootRecord } from '../../protocol/model.ts';
import type { KuredCordonFacts, KuredLockFact } from './lock/kured.ts';

export interface Disposable {
  dispose(): void;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after ms, or early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** [0, 1); injected so jitter is reproducible in tests and chaos runs. */
export type Random = () => number;

/** What the node looks like right now, read from the informer cache (never a fresh GET). */
export interface NodeFacts {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  /** `nodemend.dev/cordoned-by` present: nodemend cordoned it and may uncordon it. */
  cordonedByUs: boolean;
  bootId: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resourceVersion: string;
}

/**
 * Sentinel check result; `unknown` carries the warning (command exited 2+, I/O error). `reason`:
 * what asks for the reboot when it is not the sentinel itself (a node condition); `urgent`: it may
 * reboot outside the reboot window (--condition-ignore-window), never past blockers or the lock.
 */
export type SentinelResult = { required: boolean; reason?: string; urgent?: boolean } | { unknown: string };

export interface Host {
  /** Runs the sentinel file or command check once. */
  checkSentinel(): Promise<SentinelResult>;
  /** Calls back soon (within ~1 s) after the sentinel may have changed. */
  watchSentinel(onChange: () => void): Disposable;
  /** Triggers the reboot. Returns once the command was issued; the process may die any moment. */
  reboot(): Promise<void>;
}

/** A lock slot held by this node. Stored in a coordination.k8s.io Lease. */
export interface HeldLock {
  /** Names of the Leases held: the cluster slot and, when scoped, the scope slot. */
  leases: string[];
  acquiredAt: number;
  /** Whether the node was already unschedulable before nodemend touched it. */
  wasUnschedulable: boolean;
  /** bootID of the node when the lock was taken; a different one later proves the reboot. */
  bootIdBefore: string;
  forced: boolean;
  /** Stage reached, persisted in the Lease so a restarted agent resumes instead of restarting. */
  stage: 'acquired' | 'cordoned' | 'drained' | 'rebooting';
  stageAt: number;
  /**
   * Another node took over one of this lock's slots (`leases` lists only the slots still held).
   * A lost lock never lets the node reboot: before the reboot it cancels; after it, verification
   * may finish but the lost slot is not released by this node.
   */
  lost?: { reason: string; at: number };
}

/** A held Lease found taken over by another node (on renewal or on a stage update). */
export interface LockLost {
  lease: string;
  /** The new holder, '' when nobody holds it now. */
  holder: string;
  at: number;
}

/** Thrown by LockPort.update when a held Lease was taken over; onLost listeners were told first. */
export class LockLostError extends Error {
  readonly lost: LockLost;
  constructor(lost: LockLost) {
    super(`lock lost: Lease ${lost.lease} is now held by ${lost.holder || 'nobody'}`);
    this.lost = lost;
  }
}

/** A stale slot this node took over: from whom, and why it was stale (with how long). */
export interface LockRecovered {
  lease: string;
  holder: string;
  why: string;
}

export type AcquireResult =
  /** recovered: stale slots taken over from another holder on the way (for a Warning Event). */
  | { ok: true; lock: HeldLock; recovered?: LockRecovered[] }
  /** reason: with live detail, for logs; summary: changes only when the holders change, so it can be published. */
  | { ok: false; reason: string; summary?: string; position?: number };

export interface LockPort {
  /** The lock this node holds (found after a restart), if any. */
  held(): Promise<HeldLock | undefined>;
  /**
   * One attempt (with internal 409 re-read-and-retry); never blocks waiting for a slot. `foreign`:
   * nodes another tool's lock holds (Kured's during a cutover), counted against the cluster limit.
   */
  tryAcquire(meta: Pick<HeldLock, 'wasUnschedulable' | 'bootIdBefore' | 'forced'>, foreign?: { what: string; nodes: string[] }): Promise<AcquireResult>;
  /** Records progress in the held Lease(s) and renews them. */
  update(lock: HeldLock): Promise<void>;
  release(lock: HeldLock): Promise<void>;
  /** Announces that this node waits for a slot (ordering for the queue view); idempotent. */
  setWaiting(waiting: boolean): Promise<void>;
  /**
   * After the Leases changed, from the cache (no API call): undefined when no slot looks free,
   * else how long to let the waiters ahead in the queue go first (ms, 0 = try now). Without it
   * the runtime tries at once.
   */
  turn?(): number | undefined;
  /** Calls back when a held Lease is found taken over (renewal or update); the slot is dropped from the held lock. */
  onLost?(cb: (lost: LockLost) => void): Disposable;
}

/** Kured's lock during a cutover from Kured (lock/kured-watch.ts). */
export interface KuredPort {
  /** Kured's lock as the informer cache shows it (no API call). */
  observe(): KuredLockFact;
  /** Calls back when Kured's DaemonSet changes. */
  onChange(cb: () => void): Disposable;
  /** Fresh from the API server: this Node's cordon and its writers, and Kured's pods on it. */
  gather(): Promise<KuredCordonFacts>;
  /** Uncordons this Node if it is still at `resourceVersion`; false when it changed meanwhile. */
  adopt(resourceVersion: string): Promise<boolean>;
}

export interface NodePort {
  facts(): NodeFacts | undefined;
  /** Called on every informer update of this node (and of the agent DaemonSet's annotations). */
  onChange(cb: () => void): Disposable;
  /** Annotations of the agent DaemonSet: the cluster-wide manual block lives there. */
  clusterAnnotations(): Record<string, string>;
  /** Cordons and marks `cordoned-by`. A person's prior cordon is left unmarked. True when this call cordoned. */
  cordon(): Promise<boolean>;
  /** Uncordons only if `cordoned-by` is present (never undo a person's cordon), and clears it. True when this call uncordoned. */
  uncordon(): Promise<boolean>;
  publishState(state: AgentNodeState): Promise<void>;
  /**
   * Adds a finished attempt to the history, once: a record of the same attempt (its start and boot
   * IDs) already there is replaced, so a finish repeated after a restart does not add it twice.
   */
  appendHistory(rec: RebootRecord): Promise<void>;
  /** Removes request annotations once acted on (e.g. force-reboot after the reboot). */
  clearRequests(keys: string[]): Promise<void>;
  setLabels(labels: Record<string, string | null>): Promise<void>;
  setPreferNoScheduleTaint(key: string, present: boolean): Promise<void>;
  /**
   * Records an Event on the Node. With `key`, the Event is recorded once per key, by whichever
   * process comes first: a step repeated after a restart (the finish of the same attempt) adds none.
   */
  event(type: 'Normal' | 'Warning', reason: string, message: string, key?: string): Promise<void>;
}

export interface PdbBlock {
  pod: string;
  pdb: string;
  reason: string;
}

export interface DrainOptions {
  /** Seconds; -1 = each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number;
  /** Milliseconds; 0 = no limit. */
  timeoutMs: number;
  /** Skip pods whose deletion started longer ago than this (s); 0 = never skip. */
  skipWaitForDeleteTimeoutSeconds: number;
  podSelector: string;
  deleteEmptyDirData: boolean;
  /** Evict pods that no controller manages (kubectl's --force). */
  force: boolean;
}

export interface DrainProgressReport {
  total: number;
  left: number;
  blocked: { pod: string; pdb?: string; reason: string }[];
}

export type DrainResult = { ok: true } | { ok: false; reason: string; blocked: PdbBlock[] };

export interface DrainPort {
  /** Before cordoning: pods that a PodDisruptionBudget allowing no disruption would keep. */
  precheck(opts: DrainOptions): Promise<PdbBlock[]>;
  drain(opts: DrainOptions, onProgress: (p: DrainProgressReport) => void, signal: AbortSignal): Promise<DrainResult>;
  /** A dry run's account of what a drain would do now (pods evicted, left, refused; budgets). */
  rehearse?(opts: DrainOptions): Promise<string>;
}

/** One automatic blocker (alerts, pod selectors). Fails closed: an error is a block with the reason. */
export interface Blocker {
  name: string;
  check(): Promise<{ blocked: false } | { blocked: true; reason: string }>;
}

/** Health gate after the reboot: cluster PDBs all healthy, no blocking alerts. */
export interface HealthGate {
  check(): Promise<{ healthy: true } | { healthy: false; reason: string }>;
}

export type NotifyKind = 'drain' | 'reboot' | 'uncordon' | 'failure';
export interface Notifier {
  notify(kind: NotifyKind, node: string, message: string): Promise<void>;
}

export type { Logger } from '../shared/log.ts';

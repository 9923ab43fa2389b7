// The decision core's inputs and outputs. decide(facts, config, now) is pure: everything it needs
// is in Facts (observed by the runtime through the ports) and everything it wants done is in the
// Decision (executed by the runtime through the ports). Keeping the I/O out makes every rule of
// the reboot lifecycle a row in a table test.

import type { BlockKind, Phase, RebootOutcome, RebootRecord } from '../../../protocol/model.ts';
import type { AgentConfig } from '../config/config.ts';
import type { DrainResult, HeldLock, NodeFacts, PdbBlock, SentinelResult } from '../ports.ts';
import type { KuredCordonFacts, KuredLockFact } from '../lock/kured.ts';
import type { ForeignHolders } from '../lock/slots.ts';

/** A fact with the instant it was observed, so the core can tell fresh from stale. */
export interface Timed<T> {
  at: number;
  value: T;
}

export interface Facts {
  /** This node from the informer cache; undefined until it syncs (or the node is gone). */
  node?: NodeFacts;
  /** Annotations of the agent DaemonSet (the cluster-wide block). */
  cluster: Record<string, string>;
  /** Last sentinel check; undefined = not checked yet in this process. */
  sentinel?: SentinelResult;
  /** The lock this node holds, as found by LockPort.held(); read=false until that succeeded. */
  lock: { read: false; error?: string } | { read: true; held?: HeldLock };
  /** Automatic blockers that block (empty = none blocks), from the last evaluation. */
  blockers?: Timed<{ name: string; reason: string }[]>;
  /** Pods that a PodDisruptionBudget would keep (empty = the drain can finish). */
  precheck?: Timed<PdbBlock[]>;
  /** Outcome of the last drain this process ran. */
  drain?: Timed<DrainResult>;
  health?: Timed<{ healthy: true } | { healthy: false; reason: string }>;
  /**
   * Why the last acquire attempt got no slot (a stable text: who holds the slots, never the queue
   * position or how long a holder has been down). `retryAt` is set by the runtime when a slot
   * frees up: try again then (after the waiters ahead in the queue had their turn) instead of a
   * period later, while the published reason stays the same. `behind`: more nodes wait ahead of
   * this one than there are cluster slots, so it is not at the front of the queue.
   */
  acquireFailure?: Timed<{ reason: string; retryAt?: number; behind?: boolean }>;
  /** Kured's lock as last observed (a cutover from Kured); undefined when the agent has no Kured port. */
  kured?: KuredLockFact;
  /** Gathered fresh before undoing a cordon Kured left on this node (lock/kured.ts, kuredAdoption). */
  kuredCordon?: Timed<KuredCordonFacts>;
  /** The last attempt that ended in failure, for the retry back-off. */
  lastFailure?: Timed<string>;
  /** When this process last rehearsed a reboot in dry-run mode. */
  dryRunAt?: number;
  /** When this process issued the reboot. */
  rebootIssuedAt?: number;
  /** Instants first seen by the runtime at the core's request (see Mark); cleared on release. */
  marks: Partial<Record<Mark, number>>;
}

/** Instants the core asks the runtime to remember: the node Ready after the reboot, the health gate wait, the lock release delay. */
export type Mark = 'ready' | 'gate' | 'release';

/** What blocks a reboot: named in protocol/model.ts (the hub reads it from the published state). */
export type { BlockKind };

export type CoreConfig = Pick<
  AgentConfig,
  | 'windows'
  | 'periodMs'
  | 'drainDelayMs'
  | 'rebootDelayMs'
  | 'lockReleaseDelayMs'
  | 'forceReboot'
  | 'drainPrecheck'
  | 'dryRun'
  | 'healthGate'
  | 'healthGateTimeoutMs'
  | 'rebootVerifyTimeoutMs'
  | 'dsNamespace'
  | 'dsName'
>;

export interface Finish {
  kind: 'finish';
  outcome: RebootOutcome;
  reason: string;
  /** History entry to append (only when the node was disrupted or rebooted). */
  record?: RebootRecord;
  /** Request annotations to remove because they were acted on. */
  clear: string[];
  /** Apply --post-reboot-node-labels (the pre-reboot labels were set). */
  postLabels: boolean;
  /** A dry-run rehearsal ended: nothing was cordoned, drained or rebooted. */
  dryRun?: boolean;
}

export type Action =
  /** Nothing to do until `until` (or until a fact changes). */
  | { kind: 'wait'; until?: number }
  | { kind: 'check-sentinel' }
  | { kind: 'check-blockers' }
  | { kind: 'precheck' }
  | { kind: 'check-health' }
  /** foreign: nodes Kured's lock holds, counted against the cluster concurrency. */
  | { kind: 'acquire'; forced: boolean; foreign?: ForeignHolders }
  /** Kured's lock names this cordoned node: read the Node and Kured's pods on it (Facts.kuredCordon). */
  | { kind: 'check-kured-cordon' }
  /** Undo the cordon Kured left, if the Node is still at `resourceVersion` (compare-and-swap). */
  | { kind: 'adopt-kured-cordon'; resourceVersion: string }
  /** Pre-reboot labels, cordon, lock stage 'cordoned'. */
  | { kind: 'cordon' }
  /** Drain; on success lock stage 'drained', on failure Facts.drain. */
  | { kind: 'drain' }
  /** Lock stage 'rebooting', then Host.reboot(). */
  | { kind: 'reboot' }
  /** Undo our own cordon (NodePort.uncordon never undoes a person's). */
  | { kind: 'uncordon' }
  /** Uncordon if ours, post labels, history, clear requests, release the lock. */
  | Finish;

export interface Decision {
  action: Action;
  phase: Phase;
  reason: string;
  rebootRequired: boolean;
  forced: boolean;
  nextWindow?: number;
  /** When the open window closes, for the forecast. */
  windowCloses?: number;
  /** In the queue for a lock slot: waiting marker and PreferNoSchedule taint on. */
  waiting: boolean;
  /** Malformed request annotations, each naming the annotation and the expected format. */
  warnings: string[];
  /** What keeps the reboot from going ahead (for the nodemend_blocked metric); empty = nothing. */
  blockedBy: BlockKind[];
  /** With blockedBy pdb: the PodDisruptionBudgets the precheck found refusing ("namespace/name"). */
  pdbs?: string[];
  /** Instants the runtime records now unless already recorded (Facts.marks). */
  mark?: Mark[];
  /** While the health gate is waited for: since when (published, so a restarted agent keeps the timeout). */
  gateSince?: number;
  /** After the reboot, once Ready: since when (published, so a restarted agent keeps the history's times right). */
  readySince?: number;
  /** While --lock-release-delay runs: since when (published, so a restarted agent does not start it again). */
  releaseSince?: number;
}

// The watcher's vocabulary: the policy it judges against (its own idea of the limits and the
// window, never read from the agents), a violation with its evidence, and what it remembers about
// each node and lock slot between two observations.

import type { Phase } from '../../protocol/model.ts';

export { LOCK_PREFIX } from '../../protocol/leases.ts';

export interface Policy {
  /** M: nodes disrupted at once in the whole cluster. */
  concurrency: number;
  /** N per value of a node label. */
  scope?: { label: string; limit: number };
  /** The node's maintenance window (the watcher's own idea of it, not the agent's code). */
  inWindow: (node: string, t: number) => boolean;
  /** A state annotation may lag the lock/cordon by this much (agents write it after acting). */
  lagMs: number;
  /** A nodemend cordon with no lock and no disrupted phase is tolerated this long. */
  leftCordonedMs: number;
  /** One holder keeping one slot longer than this is a slot held forever. */
  maxHoldMs: number;
  /** A block set less than this before the reboot began raced the agent: not a violation. */
  blockGraceMs: number;
  /** NotReady longer than this: the node is lost (the agents' max reboot duration frees its slot). */
  lostAfterMs: number;
}

export interface Violation {
  promise: 1 | 2 | 3 | 4 | 5;
  at: string;
  message: string;
  evidence: Record<string, unknown>;
}

export interface NodeRec {
  name: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  marker: boolean;
  phase: Phase | undefined;
  phaseAt: number;
  ready: boolean;
  notReadySince?: number;
  bootId?: string;
  /** When the node last entered phase rebooting, and whether a person forced it. */
  rebootingAt?: number;
  forcedAtReboot: boolean;
  forceRequested: boolean;
  blockSince?: number;
  blockUntil?: number;
  needSince?: number;
  lastRebootAt?: number;
  reboots: number;
  personCordon: boolean;
  strandedSince?: number;
  /** Last time the node was seen holding a slot or cordoned by nodemend. */
  heldUntil?: number;
  /** Last time the node was seen holding a whole lock (a cluster slot). */
  lockSeenAt?: number;
  events: string[];
}

export interface LeaseRec {
  holder?: string;
  since: number;
  acquire?: string;
}

export const iso = (t: number) => new Date(t).toISOString();

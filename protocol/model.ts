// The reboot state of a node as the agent publishes it and as the hub, the extension and the
// webview show it. One model for all three so that a phase means the same thing everywhere.

/** Where a node is in its reboot lifecycle. Order matters for display only. */
export const PHASES = [
  'rebooting',
  'verifying',
  'draining',
  'failed',
  'waiting-lock',
  'waiting-window',
  'blocked',
  'scheduled',
  'reboot-required',
  'healthy',
  'unknown',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases in which the node counts as disrupted (holds a lock slot, cordoned or down). */
export const DISRUPTED_PHASES: readonly Phase[] = ['draining', 'rebooting', 'verifying'];

/**
 * What keeps a node's reboot from going ahead: a small fixed set (also the agent's
 * nodemend_blocked metric label, never free text). manual: a person's block on the node;
 * cluster-manual: the cluster-wide block on the agent DaemonSet; alerts, pods: automatic blockers
 * (firing alerts, blocking pods); pdb: the drain precheck found a PodDisruptionBudget that allows
 * no disruption; window: outside the reboot window; sentinel-unknown: cannot tell whether a reboot
 * is needed; condition-storm: storm protection holds a reboot for a node condition (too many nodes
 * show one, or too many condition reboots this hour); other: anything else (another automatic blocker, Kured's lock during a cutover).
 */
export const BLOCK_KINDS = ['manual', 'cluster-manual', 'alerts', 'pods', 'pdb', 'window', 'sentinel-unknown', 'condition-storm', 'other'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

/** Most PodDisruptionBudgets named in a published state: the state stays small, the reason has the rest. */
export const MAX_PUBLISHED_PDBS = 5;

export function isPhase(v: unknown): v is Phase {
  return typeof v === 'string' && (PHASES as readonly string[]).includes(v);
}

/** Pods still on a node that is draining, and what keeps each one there. */
export interface DrainProgress {
  total: number;
  left: number;
  /** Pods whose eviction is refused, with the PodDisruptionBudget that refuses it. */
  blocked: { pod: string; pdb?: string; reason: string }[];
  startedAt: string;
}

/**
 * Written by the agent as JSON in the node annotation `nodemend.dev/state` (see annotations.ts).
 * Small on purpose: it is rewritten at every phase change and read by every watcher.
 */
export interface AgentNodeState {
  v: 1;
  phase: Phase;
  /** Human-readable why, e.g. "outside window (next opens 2026-11-25T02:00:00Z)". */
  reason: string;
  /** RFC3339 time the phase began. */
  since: string;
  rebootRequired: boolean;
  /** Name of the lock Lease held, if any. */
  lock?: string;
  drain?: DrainProgress;
  /** Set when a person's force request is being acted on. */
  forced?: boolean;
  /** RFC3339 of the next time a window opens, when waiting for one. */
  nextWindow?: string;
  /** RFC3339 of when the window the node is in now closes (the forecast's "fits the window"). */
  windowCloses?: string;
  bootId?: string;
  agent: string;
  /**
   * RFC3339 of when the health gate wait began after the reboot (phase verifying). Kept here so
   * that an agent restarted during the gate keeps its timeout instead of starting it again.
   */
  healthGateSince?: string;
  /** RFC3339 of when the node was first seen Ready after the reboot (the history's reboot and verification times). */
  readySince?: string;
  /** RFC3339 of when the --lock-release-delay began (a restarted agent does not start it again). */
  lockReleaseDelaySince?: string;
  /** The lock limits this agent runs with, so readers never guess them from the Leases that exist. */
  limits?: LockLimits;
  /**
   * What keeps the reboot from going ahead (phase blocked, waiting-window, unknown), so readers
   * (the hub's forecast) classify a hold from this and never from the reason text. Absent from
   * older agents and when nothing blocks.
   */
  blockedBy?: BlockKind[];
  /** With blockedBy pdb: the PodDisruptionBudgets ("namespace/name") the drain precheck found refusing, at most MAX_PUBLISHED_PDBS. */
  pdbs?: string[];
  /** What asks for the reboot, while one is required. Absent from older agents (readers then show nothing). */
  trigger?: RebootTrigger;
}

/**
 * What asks for a reboot: the sentinel file, the sentinel command, a node condition
 * (--reboot-on-condition) or a person's request (force-reboot, reboot-after). `detail` names it:
 * the file, the command, the condition ("KernelDeadlock=True since 2026-12-06T20:00:00Z"), the request.
 */
export const TRIGGER_KINDS = ['sentinel', 'command', 'condition', 'request'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];
export interface RebootTrigger {
  kind: TriggerKind;
  detail?: string;
}

/**
 * The configured lock limits (--concurrency, --concurrency-scope and --concurrency-per-scope). Slot
 * Leases are created on first use, so counting them says how many were ever needed, not how many
 * are allowed: the hub's forecast reads these instead.
 */
export interface LockLimits {
  concurrency: number;
  scope?: { label: string; limit: number };
}

/** The instants after a reboot that a restarted agent takes over from the published state. */
export type ResumedMark = 'healthGateSince' | 'readySince' | 'lockReleaseDelaySince';

/**
 * One of those instants from a published state, in epoch ms, only if it is a plausible one: an
 * RFC3339 UTC time, not in the future, not before `notBefore` (when this reboot was issued; an
 * older one belongs to another reboot). Anything else is ignored: that wait then starts anew.
 */
export function resumedSince(s: Partial<Pick<AgentNodeState, ResumedMark>> | undefined, field: ResumedMark, notBefore: number, now: number): number | undefined {
  const raw: unknown = s?.[field];
  if (typeof raw !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(raw)) return undefined;
  const t = Date.parse(raw);
  return Number.isFinite(t) && t >= notBefore && t <= now ? t : undefined;
}


export type RebootOutcome = 'succeeded' | 'failed' | 'cancelled';

/** One entry of `nodemend.dev/history` (JSON array, newest first, bounded length). */
export interface RebootRecord {
  /** RFC3339 of lock acquisition. */
  start: string;
  /** RFC3339 of the end (lock released). */
  end: string;
  outcome: RebootOutcome;
  reason?: string;
  forced?: boolean;
  /** Milliseconds spent in each stage, for the forecast. */
  drainMs?: number;
  rebootMs?: number;
  verifyMs?: number;
  bootIdBefore?: string;
  bootIdAfter?: string;
}

export const HISTORY_MAX = 10;

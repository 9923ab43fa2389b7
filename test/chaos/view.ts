// What the watcher knows about the cluster between two observations, and the questions the
// promise checks ask of it (is this node disrupted, blocked, holding a slot, given up). Recording
// only: the judgments live in invariants.ts. Split out so each file stays readable.

import type * as k8s from '@kubernetes/client-node';
import { blockActive, parseRequests } from '../../protocol/annotations.ts';
import { DISRUPTED_PHASES } from '../../protocol/model.ts';
import { iso, LOCK_PREFIX, type LeaseRec, type NodeRec, type Policy } from './policy.ts';

/** A node the watcher stopped holding nodemend to account for: NotReady longer than the policy allows. */
const CLUSTER_SLOT = new RegExp(`^${LOCK_PREFIX}\\d+$`);

export interface GivenUp {
  node: string;
  notReadySince: string;
  givenUpAt: string;
  /** When it became Ready again, if it did (then it is judged again like any node). */
  backAt?: string;
  /** Its last Events, as evidence of what happened to it. */
  events: string[];
}

export abstract class ClusterView {
  protected readonly p: Policy;
  protected readonly nodes = new Map<string, NodeRec>();
  protected readonly leases = new Map<string, LeaseRec>();
  private clusterBlockSince: number | undefined;
  private clusterBlockUntil: number | undefined;
  /** Every node given up during the run (a dead machine, not a disruption by nodemend). */
  readonly givenUp: GivenUp[] = [];
  private readonly lostNow = new Map<string, GivenUp>();

  constructor(p: Policy) {
    this.p = p;
  }

  /** Re-runs the checks after a change; implemented by the checker. */
  protected abstract evaluate(t: number): void;

  lease(t: number, l: k8s.V1Lease): void {
    const name = l.metadata?.name ?? '';
    if (!name.startsWith(LOCK_PREFIX)) return;
    const holder = l.spec?.holderIdentity || undefined;
    const acquire = l.spec?.acquireTime ? String(l.spec.acquireTime instanceof Date ? l.spec.acquireTime.toISOString() : l.spec.acquireTime) : undefined;
    const prev = this.leases.get(name);
    if (!prev || prev.holder !== holder || prev.acquire !== acquire) this.leases.set(name, { holder, since: t, acquire });
    this.evaluate(t);
  }

  leaseGone(t: number, name: string): void {
    this.leases.delete(name);
    this.evaluate(t);
  }

  /** The agent DaemonSet's annotations: a block there blocks every node. */
  cluster(t: number, annotations: Record<string, string> | undefined): void {
    const b = parseRequests(annotations).block;
    if (b) {
      this.clusterBlockSince ??= t;
      this.clusterBlockUntil = b.until;
    } else this.clusterBlockSince = this.clusterBlockUntil = undefined;
  }

  /** An Event about a node, kept as evidence. */
  event(node: string, text: string): void {
    const r = this.nodes.get(node);
    if (!r) return;
    r.events.push(text);
    if (r.events.length > 8) r.events.shift();
  }

  protected blockedSince(r: NodeRec, t: number): number | undefined {
    const own = r.blockSince !== undefined && blockActive({ reason: '', until: r.blockUntil }, t) ? r.blockSince : undefined;
    const all = this.clusterBlockSince !== undefined && blockActive({ reason: '', until: this.clusterBlockUntil }, t) ? this.clusterBlockSince : undefined;
    if (own === undefined) return all;
    return all === undefined ? own : Math.min(own, all);
  }

  protected blockedAt(r: NodeRec, t: number): boolean {
    return this.blockedSince(r, t) !== undefined;
  }

  protected holds(node: string): boolean {
    for (const l of this.leases.values()) if (l.holder === node) return true;
    return false;
  }

  /**
   * Holds a whole lock. With a scope the agent takes its scope slot first, then a cluster slot,
   * and gives the scope slot back when the cluster is full; it releases in the same order (scope
   * first). Either half alone is a moment of asking or of letting go, not a disruption (the node
   * is neither cordoned nor draining then), so only both halves count (without a scope, a cluster
   * slot `nodemend-lock-<n>` is the whole lock). A node that cordons or drains holding half a lock
   * is still counted, through its cordon or its phase.
   */
  protected holdsLock(node: string): boolean {
    let cluster = false;
    let scope = false;
    for (const [name, l] of this.leases) {
      if (l.holder !== node) continue;
      if (CLUSTER_SLOT.test(name)) cluster = true;
      else scope = true;
    }
    return cluster && (scope || this.p.scope === undefined);
  }

  /**
   * Given up: NotReady for longer than `lostAfterMs`. The agents free such a holder's slot after
   * their --max-reboot-duration, so from then on it is a dead machine, not a disruption nodemend
   * causes: it no longer counts against the limit (promise 1), is not "left cordoned" (3), its
   * slot is not "held forever" (4: recovered on demand, which liveness proves), and its reboot is
   * not owed (5). Recorded in `givenUp` with its Events; judged again if it comes back Ready.
   */
  lost(r: NodeRec, t: number): boolean {
    const gone = !r.ready && r.notReadySince !== undefined && t - r.notReadySince > this.p.lostAfterMs;
    const known = this.lostNow.get(r.name);
    if (gone && !known) {
      const g: GivenUp = { node: r.name, notReadySince: iso(r.notReadySince!), givenUpAt: iso(t), events: [...r.events] };
      this.lostNow.set(r.name, g);
      this.givenUp.push(g);
    } else if (!gone && known && r.ready) {
      known.backAt = iso(t);
      this.lostNow.delete(r.name);
    }
    return gone;
  }

  /** Whether a slot's holder is a given-up node (its slot is stale for the agents). */
  protected heldByLost(l: LeaseRec, t: number): boolean {
    const h = l.holder ? this.nodes.get(l.holder) : undefined;
    return h !== undefined && this.lost(h, t);
  }

  /** Why a node counts as disrupted now, as evidence: cordon, slots held, phase, readiness, last Events. */
  protected why(name: string, t: number): Record<string, unknown> {
    const r = this.nodes.get(name);
    if (!r) return { node: name, gone: true };
    const slots = [...this.leases].filter(([, l]) => l.holder === name).map(([n, l]) => `${n} since ${iso(l.since)}`);
    return {
      node: name, labels: r.labels, cordonedByNodemend: r.marker && r.unschedulable, slots, phase: r.phase, phaseSince: iso(r.phaseAt),
      ready: r.ready, notReadySince: r.notReadySince === undefined ? undefined : iso(r.notReadySince), events: [...r.events], at: iso(t),
    };
  }

  /** Cordoned by nodemend, holding a slot, or (past the lag) in a disrupted phase; never a given-up node. */
  protected disrupted(r: NodeRec, t: number): boolean {
    if (this.lost(r, t)) return false;
    const locked = this.holdsLock(r.name);
    if (locked) r.lockSeenAt = t;
    const held = (r.marker && r.unschedulable) || locked;
    if (held) r.heldUntil = t;
    // The agent publishes its phase after acting: it uncordons and releases first, and says
    // "healthy" a moment later. So a disrupted phase counts once it has stood `lagMs` since it
    // began and since the node last held a slot or cordon (a loaded API server stretches that
    // moment; a node rebooting without a slot would stand far longer than lagMs).
    const phase = r.phase !== undefined && DISRUPTED_PHASES.includes(r.phase) && t - Math.max(r.phaseAt, r.heldUntil ?? 0) > this.p.lagMs;
    return held || phase;
  }
}

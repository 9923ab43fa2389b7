// The five promises of nodemend as a pure checker over what the API server shows: Nodes (their
// cordon, the nodemend.dev/* annotations, boot ID, readiness), the lock Leases and the agent
// DaemonSet's cluster-wide block. It never asks the agents anything: a bug in the agent's own
// bookkeeping must not be able to hide a violation. Times are epoch ms supplied by the caller, so
// the same checker runs live (watcher.ts) and in table-driven unit tests.

import type * as k8s from '@kubernetes/client-node';
import { A, parseRequests, parseState } from '../../protocol/annotations.ts';
import { DISRUPTED_PHASES } from '../../protocol/model.ts';
import { iso, type NodeRec, type Policy, type Violation } from './policy.ts';
import { ClusterView } from './view.ts';

export { LOCK_PREFIX, type Policy, type Violation } from './policy.ts';
export type { GivenUp } from './view.ts';

export class Invariants extends ClusterView {
  readonly violations: Violation[] = [];
  private readonly open = new Map<string, Violation>();
  private readonly uncordonAllowed = new Set<string>();
  reboots = 0;
  /** Most nodes disrupted at once, overall and per scope value: shows the limit was reached, not just kept. */
  readonly peak = { cluster: 0, scope: 0 };

  constructor(p: Policy) {
    super(p);
  }

  /** A person is about to uncordon their own cordon on this node: not nodemend's doing. */
  allowUncordon(node: string): void {
    this.uncordonAllowed.add(node);
  }

  node(t: number, n: k8s.V1Node): void {
    const name = n.metadata?.name ?? '';
    const ann = n.metadata?.annotations ?? {};
    const prev = this.nodes.get(name);
    const st = parseState(ann[A.state]);
    const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const unschedulable = n.spec?.unschedulable === true;
    const marker = ann[A.cordonedBy] !== undefined;
    const bootId = n.status?.nodeInfo?.bootID || undefined;
    const r: NodeRec = prev ?? {
      name, labels: {}, unschedulable, marker, phase: undefined, phaseAt: t, ready, bootId, forcedAtReboot: false,
      forceRequested: false, reboots: 0, personCordon: unschedulable && !marker, events: [],
    };
    r.labels = n.metadata?.labels ?? {};
    const req = parseRequests(ann);
    r.forceRequested = req.forceReboot !== undefined;
    if (st?.phase !== r.phase) {
      r.phase = st?.phase;
      r.phaseAt = t;
      if (st?.phase === 'rebooting') {
        r.rebootingAt = t;
        r.forcedAtReboot = st.forced === true || r.forceRequested;
      }
    } else if (st?.phase === 'rebooting' && st.forced) r.forcedAtReboot = true;
    if (req.block) {
      r.blockSince ??= t;
      r.blockUntil = req.block.until;
    } else r.blockSince = r.blockUntil = undefined;
    if (!ready && (r.ready || prev === undefined)) r.notReadySince = t;
    if (ready) r.notReadySince = undefined;
    r.ready = ready;

    if (prev) {
      if (prev.bootId && bootId && prev.bootId !== bootId) this.rebooted(t, r, prev.bootId, bootId);
      // Promise 3b: a person's cordon is theirs. nodemend must neither claim nor lift it.
      if (prev.personCordon && marker && !prev.marker) {
        this.add(3, t, `${name}: nodemend marked a person's cordon as its own (it would uncordon it)`, { node: name });
      }
      if (prev.personCordon && !unschedulable) {
        if (this.uncordonAllowed.delete(name)) r.personCordon = false;
        else this.add(3, t, `${name}: a person's cordon was removed by someone other than that person`, { node: name, events: r.events });
      }
      if (!prev.unschedulable && unschedulable && !marker) r.personCordon = true;
      if (!unschedulable) r.personCordon = false;
    }
    r.bootId = bootId;
    r.unschedulable = unschedulable;
    r.marker = marker;
    // Promise 5 bookkeeping: a need published from the current boot (not a stale pre-reboot one).
    const fresh = st !== undefined && (st.bootId ? st.bootId === bootId : r.lastRebootAt === undefined || Date.parse(st.since) > r.lastRebootAt);
    // Requests count until a reboot after them: the agent may leave the annotation in place.
    const after = (x: number | undefined) => x !== undefined && x <= t && (r.lastRebootAt === undefined || r.lastRebootAt < x);
    const need = (st?.rebootRequired && fresh) || after(req.forceReboot) || after(req.rebootAfter);
    // A cancelled request or a cleared sentinel withdraws the need: only a standing one must be met.
    if (need) r.needSince ??= t;
    else if (st !== undefined && fresh) r.needSince = undefined;
    this.nodes.set(name, r);
    this.evaluate(t);
  }

  nodeGone(t: number, name: string): void {
    this.nodes.delete(name);
    this.evaluate(t);
  }

  /** Time-based checks (held too long, left cordoned); call every second or so. */
  tick(t: number): void {
    this.evaluate(t);
  }

  /**
   * End of a run, after the faults stopped and the cluster had time to converge: every node that
   * needed a reboot (and is not exempt, e.g. never came back or still blocked) must have rebooted,
   * and no nodemend cordon or lock may remain on a healthy node.
   */
  finish(t: number, exempt: (node: string) => boolean = () => false): void {
    this.evaluate(t);
    for (const r of this.nodes.values()) {
      // A given-up node (a dead machine) owes nothing; it is listed in givenUp instead.
      if (exempt(r.name) || this.lost(r, t)) continue;
      const blocked = this.blockedAt(r, t);
      if (r.needSince !== undefined && !blocked) {
        this.add(5, t, `${r.name}: needed a reboot since ${iso(r.needSince)} and was not rebooted`, { node: r.name, phase: r.phase, events: r.events });
      }
      if (r.marker && r.unschedulable && !this.holds(r.name)) {
        this.add(3, t, `${r.name}: still cordoned by nodemend at the end, holding no lock`, { node: r.name, phase: r.phase });
      }
    }
    for (const [name, l] of this.leases) {
      const h = l.holder ? this.nodes.get(l.holder) : undefined;
      if (h && h.ready && !exempt(h.name) && !this.disrupted(h, t) && h.needSince === undefined) {
        this.add(4, t, `lock ${name}: still held by ${l.holder} at the end, which is healthy and needs nothing`, { lease: name, holder: l.holder, since: iso(l.since) });
      }
    }
  }

  /** What still keeps the cluster from being settled: needed reboots, nodemend cordons, held locks. */
  outstanding(t: number, exempt: (node: string) => boolean = () => false): string[] {
    const out: string[] = [];
    for (const r of this.nodes.values()) {
      if (exempt(r.name) || this.lost(r, t)) continue;
      if (r.needSince !== undefined && !this.blockedAt(r, t)) out.push(`${r.name} needs a reboot (${r.phase ?? 'no state'})`);
      if (r.marker && r.unschedulable) out.push(`${r.name} cordoned by nodemend (${r.phase ?? 'no state'})`);
    }
    for (const [name, l] of this.leases) {
      if (l.holder && this.nodes.has(l.holder) && !exempt(l.holder) && !this.heldByLost(l, t)) out.push(`${name} held by ${l.holder}`);
    }
    return out;
  }

  /** Counters for the run report. */
  stats(): { nodes: number; reboots: number; violations: number } {
    return { nodes: this.nodes.size, reboots: this.reboots, violations: this.violations.length };
  }

  private rebooted(t: number, r: NodeRec, from: string, to: string): void {
    this.reboots++;
    r.reboots++;
    // The reboot began when the agent said so, else when the node went down, else now.
    const began = r.rebootingAt ?? r.notReadySince ?? t;
    const ev = { node: r.name, bootIdBefore: from, bootIdAfter: to, began: iso(began), seen: iso(t), forced: r.forcedAtReboot, events: [...r.events] };
    // Promise 1, directly: every reboot happens under a whole lock (a person's force included).
    // This also catches a reboot too short for the phase rule's lag to see.
    const locked = this.holdsLock(r.name) || (r.lockSeenAt !== undefined && r.lockSeenAt >= began - this.p.lagMs);
    if (!locked) this.add(1, t, `${r.name}: rebooted without holding a lock slot (began ${iso(began)})`, { ...ev, lockLastSeen: r.lockSeenAt === undefined ? 'never' : iso(r.lockSeenAt) });
    if (!r.forcedAtReboot && !this.p.inWindow(r.name, began)) this.add(2, t, `${r.name}: rebooted outside its window (began ${iso(began)})`, ev);
    const blockedFrom = this.blockedSince(r, began);
    if (blockedFrom !== undefined && blockedFrom <= began - this.p.blockGraceMs) {
      this.add(2, t, `${r.name}: rebooted while blocked (block seen since ${iso(blockedFrom)})`, ev);
    }
    r.lastRebootAt = t;
    r.needSince = undefined;
    r.rebootingAt = undefined;
    r.forcedAtReboot = false;
  }

  protected evaluate(t: number): void {
    const down = [...this.nodes.values()].filter((r) => this.disrupted(r, t));
    this.limit(t, 'cluster', down.map((r) => r.name), this.p.concurrency);
    this.peak.cluster = Math.max(this.peak.cluster, down.length);
    if (this.p.scope) {
      const groups = new Map<string, string[]>();
      for (const r of down) {
        const v = r.labels[this.p.scope.label] ?? '';
        groups.set(v, [...(groups.get(v) ?? []), r.name]);
      }
      for (const [v, names] of groups) {
        this.limit(t, `${this.p.scope.label}=${v}`, names, this.p.scope.limit);
        this.peak.scope = Math.max(this.peak.scope, names.length);
      }
      for (const [key, v] of this.open) {
        if (key.startsWith('1:') && key !== '1:cluster' && !groups.has(key.slice(3 + this.p.scope.label.length))) {
          v.evidence.endedAt = iso(t);
          this.open.delete(key);
        }
      }
    }
    for (const r of this.nodes.values()) {
      const stranded = r.marker && r.unschedulable && !this.holds(r.name) && !(r.phase && DISRUPTED_PHASES.includes(r.phase)) && !this.lost(r, t);
      if (!stranded) {
        r.strandedSince = undefined;
        this.open.delete(`3:${r.name}`);
      } else {
        r.strandedSince ??= t;
        if (t - r.strandedSince > this.p.leftCordonedMs) this.once(`3:${r.name}`, 3, t, `${r.name}: left cordoned by nodemend for ${Math.round((t - r.strandedSince) / 1000)} s with no lock and phase ${r.phase ?? 'none'}`, { node: r.name, phase: r.phase, since: iso(r.strandedSince) });
      }
    }
    for (const [name, l] of this.leases) {
      const key = `4:${name}:${l.holder}:${l.acquire}`;
      if (l.holder && t - l.since > this.p.maxHoldMs && !this.heldByLost(l, t)) this.once(key, 4, t, `lock ${name}: held by ${l.holder} for ${Math.round((t - l.since) / 1000)} s, longer than ${Math.round(this.p.maxHoldMs / 1000)} s`, { lease: name, holder: l.holder, since: iso(l.since) });
    }
  }

  private limit(t: number, what: string, names: string[], max: number): void {
    const key = `1:${what}`;
    if (names.length <= max) {
      // The episode is over: say how long it lasted (a blip and a long overlap read differently).
      const ended = this.open.get(key);
      if (ended) ended.evidence.endedAt = iso(t);
      this.open.delete(key);
      return;
    }
    const v = this.open.get(key);
    if (v) {
      // Same episode: widen the evidence instead of repeating the violation.
      const seen = new Set([...(v.evidence.nodes as string[]), ...names]);
      v.evidence.nodes = [...seen].sort();
      v.evidence.max = Math.max(v.evidence.max as number, names.length);
      return;
    }
    this.once(key, 1, t, `${names.length} nodes disrupted in ${what}, more than the limit ${max}: ${names.sort().join(', ')}`, { scope: what, limit: max, max: names.length, nodes: [...names].sort(), why: names.map((n) => this.why(n, t)) });
  }

  private once(key: string, promise: Violation['promise'], t: number, message: string, evidence: Record<string, unknown>): void {
    if (this.open.has(key)) return;
    this.open.set(key, this.add(promise, t, message, evidence));
  }

  private add(promise: Violation['promise'], t: number, message: string, evidence: Record<string, unknown>): Violation {
    const v: Violation = { promise, at: iso(t), message, evidence };
    this.violations.push(v);
    return v;
  }
}

// LockPort on coordination.k8s.io Leases. A node holds one cluster slot (`nodemend-lock-<i>`, at
// most M holders) and, when scoped, one slot of its scope value (`nodemend-lock-<value>-<i>`, at
// most N per zone or pool). Every write carries the resourceVersion read, so two agents racing for
// one slot cannot both win: the loser gets 409, re-reads and retries (bounded). The slot choice and
// the stale rules are pure (slots.ts); this file finds and acquires the lock; once held, held.ts
// updates, renews and releases it (and notices when it is lost); waiting.ts keeps the queue markers.

import * as k8s from '@kubernetes/client-node';
import type { AcquireResult, Disposable, HeldLock, LockLost, LockPort, LockRecovered, Logger } from '../ports.ts';
import { apiMessage, code, isNodeReady, microTime, timeMs, withTimeout } from '../../shared/kube.ts';
import { errMsg } from '../../shared/log.ts';
import { A, parseState } from '../../../protocol/annotations.ts';
import { DISRUPTED_PHASES } from '../../../protocol/model.ts';
import { clusterSlotName, LEASE_ANNOTATIONS as K, LOCK_PREFIX, scopeSlotName, slotIndex } from '../../../protocol/leases.ts';
import { choose, freeSlots, leaseCallTimeoutMs, Observations, STILL_CORDONED, turnDelay, verdict, type ForeignHolders, type HolderStatus, type StaleRules } from './slots.ts';
import { WaitingMarkers } from './waiting.ts';
import { heldFromAnnotations, metaAnnotations, slotRecord } from './meta.ts';
import { HeldLeases, RETRIES, type Call } from './held.ts';

export interface LeaseLockOptions extends StaleRules {
  node: string;
  namespace: string;
  /** M: nodes that may hold a lock at once in the whole cluster. */
  clusterLimit: number;
  /** N per value of a node label (e.g. topology.kubernetes.io/zone). */
  scope?: { label: string; limit: number };
  /** Renewal of held Leases while the process lives; 0 = only on update(). Default graceMs / 3. */
  renewIntervalMs?: number;
  /** The node's labels (from the Node informer), for its scope value. */
  nodeLabels: () => Record<string, string> | undefined;
  /** The Leases of the lock namespace (informer cache): read first, before going to the API. */
  cachedLeases?: () => readonly k8s.V1Lease[];
  now?: () => number;
  /**
   * The clock of the durations this process measures itself (how long a holder has been silent or
   * out of service): monotonic, so a step of the wall clock (NTP, a skewed machine corrected)
   * neither ages nor freshens what was seen; a forward step once made every slot look stale
   * (docs/reliability.md, finding 11). Default: `now` when given (tests drive both with one fake
   * time), else performance.now().
   */
  elapsed?: () => number;
  /**
   * The Lease informer's health, when `cachedLeases` reads its cache: while it is failing, and
   * once after each recovery, the observations are forgotten (finding 10).
   */
  leaseWatch?: { healthy(): boolean; recoveries(): number };
  onApiError?: (op: string) => void;
}


/** Why a Ready node is still out of service by nodemend's doing (its cordon, a disrupted phase), if it is. */
export function disruptedBy(n: k8s.V1Node): string | undefined {
  const ann = n.metadata?.annotations ?? {};
  if (ann[A.cordonedBy] !== undefined) return STILL_CORDONED;
  const phase = parseState(ann[A.state])?.phase;
  if (phase && DISRUPTED_PHASES.includes(phase)) return `published phase ${phase}`;
  return undefined;
}

interface Group {
  what: string;
  limit: number;
  scopeValue?: string;
  scopeText: string;
  nameOf: (i: number) => string;
}

export class LeaseLock implements LockPort {
  private readonly coord: k8s.CoordinationV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly o: LeaseLockOptions;
  private readonly now: () => number;
  private readonly elapsed: () => number;
  private readonly log: Logger;
  private readonly mine: HeldLeases;
  private readonly waiting: WaitingMarkers;
  /** Slot records and holder Nodes as this process saw them change, by its own monotonic clock (`elapsed`). */
  private readonly seen = new Observations();
  /** The Lease informer's recoveries when last looked at. */
  private recovered = 0;
  private readonly callMs: number;

  constructor(kc: k8s.KubeConfig, opts: LeaseLockOptions, log: Logger) {
    if (!Number.isInteger(opts.clusterLimit) || opts.clusterLimit < 1) throw new Error(`clusterLimit must be an integer >= 1, got ${opts.clusterLimit}`);
    if (opts.scope && (!Number.isInteger(opts.scope.limit) || opts.scope.limit < 1)) throw new Error(`scope limit must be an integer >= 1, got ${opts.scope.limit}`);
    this.coord = kc.makeApiClient(k8s.CoordinationV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.o = opts;
    this.now = opts.now ?? Date.now;
    this.elapsed = opts.elapsed ?? opts.now ?? (() => performance.now());
    this.log = log;
    this.callMs = leaseCallTimeoutMs(opts.graceMs);
    const call: Call = (op, p) => this.call(op, p);
    this.mine = new HeldLeases(this.coord, { node: opts.node, namespace: opts.namespace, renewIntervalMs: opts.renewIntervalMs ?? Math.floor(opts.graceMs / 3), now: this.now }, call, log);
    this.waiting = new WaitingMarkers(this.coord, opts.namespace, opts.node, this.now, opts.cachedLeases, (p) => this.call('wait-marker', p));
  }

  async held(): Promise<HeldLock | undefined> {
    const leases = await this.listFresh();
    // Labels unknown (informer not synced): the scope slot cannot be judged, the cluster slot can.
    const groups = this.groups() ?? [this.clusterGroup()];
    const mine = leases.filter((l) => l.spec?.holderIdentity === this.o.node && l.metadata?.name?.startsWith(LOCK_PREFIX));
    if (mine.length === 0) return this.mine.keep(undefined);
    const cluster = mine.find((l) => slotIndex(l.metadata!.name!) !== undefined);
    const lock = heldFromAnnotations((cluster ?? mine[0]).metadata?.annotations ?? {}, mine.map((l) => l.metadata!.name!), timeMs(cluster?.spec?.acquireTime) ?? this.now());
    const complete = groups.every((g) => mine.some((l) => slotIndex(l.metadata!.name!, g.scopeValue) !== undefined));
    // Crashed between the scope and the cluster slot: nothing disruptive happened yet (stage
    // 'acquired'), so give the partial lock back rather than act on half a lock.
    if (!complete && lock.stage === 'acquired') {
      this.log.warn('releasing a partially acquired lock found at start-up', { leases: lock.leases });
      await this.release(lock);
      return undefined;
    }
    // Further along, a missing slot was taken over while no agent renewed it: the lock is lost
    // (never reboot on half a lock); the runtime cancels or, after the reboot, only verifies.
    if (!complete) {
      const missing = groups.filter((g) => !mine.some((l) => slotIndex(l.metadata!.name!, g.scopeValue) !== undefined)).map((g) => g.what);
      lock.lost = { reason: `this node no longer holds its ${missing.join(' and ')} slot (taken over while no agent renewed it)`, at: this.now() };
      this.log.error('lock lost: found an incomplete lock at start-up', { leases: lock.leases, missing });
    }
    return this.mine.keep(lock);
  }

  async tryAcquire(meta: Pick<HeldLock, 'wasUnschedulable' | 'bootIdBefore' | 'forced'>, foreign?: ForeignHolders): Promise<AcquireResult> {
    // Once held() has run (the runtime reads the lock at start-up), this process knows what it
    // holds: a list per attempt was one more request from every waiter on every handoff.
    const existing = this.mine.known ? this.mine.current : await this.held();
    if (existing) return { ok: true, lock: existing };
    const now = this.now();
    const lock: HeldLock = { leases: [], acquiredAt: now, stage: 'acquired', stageAt: now, ...meta };
    // Scope first: a node blocked by its zone never ties up a cluster slot while it waits.
    const groups = this.groups();
    if (!groups) return { ok: false, reason: 'the node\'s labels are not known yet (waiting for the Node informer); cannot tell its lock scope' };
    const recovered: LockRecovered[] = [];
    // Slots already taken are renewed on the held cadence while the next ones are acquired: on a
    // slow API server the first slot otherwise went unrenewed past the grace and was taken over
    // before the lock was complete (chaos seed 2, finding 1).
    const every = this.o.renewIntervalMs ?? Math.floor(this.o.graceMs / 3);
    const partial = every > 0 && groups.length > 1 ? setInterval(() => void this.mine.refresh([...lock.leases]).catch(() => {}), every) : undefined;
    partial?.unref();
    try {
      for (const g of groups) {
        // Foreign holders (Kured's) are cluster-wide: they count in the cluster group only.
        const r = await this.acquireIn(g, lock, g.scopeValue === undefined ? foreign : undefined);
        if (!r.ok) {
          clearInterval(partial);
          if (lock.leases.length) await this.release(lock);
          return { ok: false, reason: r.reason, ...(r.summary ? { summary: r.summary } : {}), position: this.waiting.position() };
        }
        lock.leases.push(r.name);
        if (r.recovered) recovered.push(r.recovered);
      }
      clearInterval(partial);
      // The earlier slots' renewTime is rewritten now that the last one is taken, which also
      // confirms they are still ours: a slot taken over meanwhile means half a lock, never held.
      const lost = lock.leases.length > 1 ? await this.mine.refresh(lock.leases.slice(0, -1)) : undefined;
      if (lost) {
        this.log.warn('a lock slot was taken over while the next one was acquired; giving the rest back', { lease: lost.lease, holder: lost.holder });
        await this.release(lock);
        return { ok: false, reason: `lock slot ${lost.lease} was taken over by ${lost.holder || 'nobody'} while the next slot was acquired; will retry`, position: this.waiting.position() };
      }
    } catch (e) {
      clearInterval(partial);
      // A write that timed out may still have taken the slot: the next attempt reads afresh.
      this.mine.known = false;
      // Never keep half a lock: give back the scope slot if the cluster slot failed with an error.
      if (lock.leases.length) await this.release(lock).catch((re) => this.log.warn('could not release a partial lock', { error: errMsg(re) }));
      throw e;
    }
    this.log.info('lock acquired', { leases: lock.leases });
    return { ok: true, lock: this.mine.keep(lock)!, ...(recovered.length ? { recovered } : {}) };
  }

  update(lock: HeldLock): Promise<void> {
    return this.mine.update(lock);
  }

  release(lock: HeldLock): Promise<void> {
    return this.mine.release(lock);
  }

  onLost(cb: (l: LockLost) => void): Disposable {
    return this.mine.onLost(cb);
  }

  setWaiting(waiting: boolean): Promise<void> {
    return this.waiting.set(waiting);
  }

  turn(): number | undefined {
    const cached = this.o.cachedLeases?.();
    const groups = this.groups();
    // No cache or no labels yet: nothing to judge by, so try (the Lease write decides).
    if (!cached || !groups) return 0;
    // Every look at the cache is an observation: the ages of the records count from it.
    this.blindSpell();
    const now = this.elapsed();
    for (const l of cached) if (l.metadata?.name?.startsWith(LOCK_PREFIX)) this.seen.slot(slotRecord(l), now);
    const free = Math.min(...groups.map((g) => freeSlots(g.limit, cached.filter((l) => slotIndex(l.metadata?.name ?? '', g.scopeValue) !== undefined).map((l) => l.spec?.holderIdentity))));
    return turnDelay(free, this.waiting.position());
  }

  /** Before any look at the slots: a Lease watch that is failing, or has just recovered, saw nothing meanwhile. */
  private blindSpell(): void {
    const w = this.o.leaseWatch;
    if (!w) return;
    const r = w.recoveries();
    if (!w.healthy() || r !== this.recovered) {
      this.recovered = r;
      this.seen.forget();
    }
  }

  /** Stops renewing (the process is about to exit or the simulated node reboots). */
  stop(): void {
    this.mine.stop();
  }

  /**
   * The slot groups this node needs, scope first. Undefined while the node's labels are unknown
   * (informer not synced): guessing the scope would put the node in the wrong zone's slots.
   * A node without the scope label shares one group with the other unlabelled nodes.
   */
  private groups(): Group[] | undefined {
    const out: Group[] = [];
    if (this.o.scope) {
      const { label, limit } = this.o.scope;
      const labels = this.o.nodeLabels();
      if (!labels) return undefined;
      const value = labels[label] ?? '';
      out.push({ what: `${label}=${value}`, limit, scopeValue: value, scopeText: `${label}=${value}`, nameOf: (i) => scopeSlotName(value, i) });
    }
    out.push(this.clusterGroup());
    return out;
  }

  private clusterGroup(): Group {
    return { what: 'cluster', limit: this.o.clusterLimit, scopeText: 'cluster', nameOf: clusterSlotName };
  }

  private async acquireIn(g: Group, lock: HeldLock, foreign: ForeignHolders | undefined): Promise<{ ok: true; name: string; recovered?: LockRecovered } | { ok: false; reason: string; summary?: string }> {
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      // The informer cache first (no API call while waiting); after a conflict, the API itself.
      const all = attempt === 0 && this.o.cachedLeases ? [...this.o.cachedLeases()] : await this.listFresh();
      this.blindSpell();
      const group = all.filter((l) => slotIndex(l.metadata?.name ?? '', g.scopeValue) !== undefined);
      const viewsOf = (read: boolean) =>
        Promise.all(
          group.map(async (l) => {
            const s = this.seen.slot(slotRecord(l), this.elapsed());
            const h = read && s.holder && s.holder !== this.o.node ? this.seen.holder(s.holder, await this.holderStatus(s.holder), this.elapsed()) : undefined;
            return { name: s.name, index: slotIndex(s.name, g.scopeValue)!, holder: s.holder, verdict: verdict(s, h, this.elapsed(), this.o) };
          }),
        );
      // The holders' Nodes are read only when no slot is free: they matter only to find a stale
      // slot to take over, and reading them on every handoff cost M requests per waiter.
      let c = choose(this.o.node, g.limit, g.what, await viewsOf(false), g.nameOf, foreign);
      if (c.kind === 'full') c = choose(this.o.node, g.limit, g.what, await viewsOf(true), g.nameOf, foreign);
      if (c.kind === 'full') return { ok: false, reason: c.reason, summary: c.summary };
      // A slot that looks like ours is confirmed by a write too (compare-and-swap on its
      // resourceVersion): the cache may be stale, or the slot may have been taken over while the
      // API server was away. Trusting the read let two nodes hold one slot (chaos seed 2).
      const existing = group.find((l) => l.metadata?.name === c.name);
      const body = this.holderBody(c.name, g, lock, existing);
      try {
        const w = existing
          ? await this.call('acquire', this.coord.replaceNamespacedLease({ name: c.name, namespace: this.o.namespace, body }))
          : await this.call('acquire', this.coord.createNamespacedLease({ namespace: this.o.namespace, body }));
        this.mine.remember(w);
        if (c.kind === 'take' && c.takeover) {
          const holder = existing?.spec?.holderIdentity ?? '';
          this.log.warn('took over a stale lock slot', { lease: c.name, holder, why: c.takeover });
          return { ok: true, name: c.name, recovered: { lease: c.name, holder, why: c.takeover } };
        }
        return { ok: true, name: c.name };
      } catch (e) {
        if (code(e) === 409) continue; // someone else wrote first: re-read and decide again
        throw e;
      }
    }
    return { ok: false, reason: `lock contention: ${g.what} slots changed under us ${RETRIES + 1} times; will retry` };
  }

  private holderBody(name: string, g: Group, lock: HeldLock, existing?: k8s.V1Lease): k8s.V1Lease {
    const now = microTime(this.now());
    const prev = existing?.spec?.holderIdentity;
    const transitions = (existing?.spec?.leaseTransitions ?? 0) + (prev && prev !== this.o.node ? 1 : 0);
    return {
      metadata: {
        name,
        namespace: this.o.namespace,
        resourceVersion: existing?.metadata?.resourceVersion,
        labels: existing?.metadata?.labels,
        annotations: { ...existing?.metadata?.annotations, ...metaAnnotations(lock), [K.scope]: g.scopeText },
      },
      spec: {
        holderIdentity: this.o.node,
        acquireTime: now,
        renewTime: now,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.o.graceMs / 1000)),
        leaseTransitions: transitions,
      },
    };
  }

  private async holderStatus(node: string): Promise<HolderStatus> {
    try {
      const n = await this.call('read-holder', this.core.readNode({ name: node }));
      if (!isNodeReady(n)) return { kind: 'notready' };
      const disrupted = disruptedBy(n);
      return disrupted ? { kind: 'ready', disrupted } : { kind: 'ready' };
    } catch (e) {
      if (code(e) === 404) return { kind: 'absent' };
      return { kind: 'unknown', error: apiMessage(e) };
    }
  }

  private async listFresh(): Promise<k8s.V1Lease[]> {
    return (await this.call('list', this.coord.listNamespacedLease({ namespace: this.o.namespace }))).items;
  }

  private async call<T>(op: string, p: Promise<T>): Promise<T> {
    try {
      return await withTimeout(p, this.callMs, `lease ${op}`);
    } catch (e) {
      if (code(e) !== 409 && code(e) !== 404) {
        this.o.onApiError?.(`lease-${op}`);
        // Could not see: silence measured across this is ours, not the holders' (finding 10).
        this.seen.forget();
      }
      throw e;
    }
  }
}

// The hub's model of the cluster: cluster objects in, delta ops out. Pure (the clock is passed
// in), so the whole reducer is unit-tested without a cluster.
//
// Each change method returns the ops that bring a client from the previous state to the new one,
// and only those: a node op is emitted when the node's view actually changed (including its
// queue position), locks when their serialised form changed, the forecast only from
// refreshForecast(). Applying the returned ops with applyDelta to the previous snapshot yields
// exactly snapshot().

import type { CoreV1Event, V1DaemonSet, V1Lease, V1Node } from '@kubernetes/client-node';
import type { ClusterEvent, ClusterSnapshot, DeltaOp, Forecast, LockView, NodeView } from '../../protocol/messages.ts';
import { A } from '../../protocol/annotations.ts';
import { forecast, recentSamples } from './forecast.ts';
import { clusterBlock, clusterEvent, lockView, nodeView } from './model.ts';

export const MAX_EVENTS = 200;

export class HubState {
  private readonly nodes = new Map<string, NodeView>();
  /** Serialised node views as last emitted, to emit only real changes. */
  private readonly sent = new Map<string, string>();
  private readonly leases = new Map<string, V1Lease>();
  private ds: V1DaemonSet | undefined;
  private events: ClusterEvent[] = [];
  private readonly eventIds = new Set<string>();
  private locks: LockView = { slots: [], waiting: [] };
  private locksJson = JSON.stringify(this.locks);
  private fc: Forecast = { pending: 0, enoughData: true, basis: 'no node needs a reboot' };
  private fcJson = JSON.stringify(this.fc);
  private block: { reason: string; until?: string } | null = null;
  private live = false;
  /** Measured reboot durations, recomputed only when some node's history annotation changed. */
  private samples: number[] | undefined;
  private readonly historyRaw = new Map<string, string | undefined>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  upsertNode(n: V1Node): DeltaOp[] {
    const v = nodeView(n);
    if (!v.name) return [];
    const raw = n.metadata?.annotations?.[A.history];
    if (this.historyRaw.get(v.name) !== raw) {
      this.historyRaw.set(v.name, raw);
      this.samples = undefined;
    }
    this.nodes.set(v.name, v);
    return this.settle([v.name]);
  }

  removeNode(name: string): DeltaOp[] {
    if (!this.nodes.delete(name)) return [];
    this.sent.delete(name);
    this.historyRaw.delete(name);
    this.samples = undefined;
    return [{ op: 'node-removed', name }, ...this.settle([])];
  }

  upsertLease(l: V1Lease): DeltaOp[] {
    const name = l.metadata?.name;
    if (!name) return [];
    this.leases.set(name, l);
    return this.settle([]);
  }

  removeLease(name: string): DeltaOp[] {
    if (!this.leases.delete(name)) return [];
    return this.settle([]);
  }

  /** The agent DaemonSet (undefined when deleted or absent): cluster block and "installed". */
  setDaemonSet(ds: V1DaemonSet | undefined): DeltaOp[] {
    const wasInstalled = this.ds !== undefined;
    this.ds = ds;
    const ops: DeltaOp[] = [];
    if (wasInstalled !== (ds !== undefined)) ops.push({ op: 'backend', installed: ds !== undefined });
    const b = clusterBlock(ds);
    if (JSON.stringify(b) !== JSON.stringify(this.block)) {
      this.block = b;
      ops.push({ op: 'cluster-block', block: b });
    }
    return ops;
  }

  /** Adds a Node Event (other Events and repeats of a seen occurrence give no op). */
  addEvent(e: CoreV1Event): DeltaOp[] {
    const ev = clusterEvent(e);
    if (!ev || this.eventIds.has(ev.id!)) return [];
    this.eventIds.add(ev.id!);
    // The initial list comes in name order: sort it by time. Once live, keep arrival (watch)
    // order, which is the order clients applying the deltas see, so a client's list and a fresh
    // snapshot agree even when writers' clocks disagree.
    let i = this.events.length;
    if (!this.live) while (i > 0 && this.events[i - 1].time > ev.time) i--;
    this.events.splice(i, 0, ev);
    if (this.events.length > MAX_EVENTS) {
      for (const old of this.events.splice(0, this.events.length - MAX_EVENTS)) this.eventIds.delete(old.id!);
      // An event older than everything kept is not news: it would be dropped at once.
      if (!this.eventIds.has(ev.id!)) return [];
    }
    return [{ op: 'event', event: ev }];
  }

  /** Called once the initial lists are in: from now on events keep their arrival order. */
  goLive(): void {
    this.live = true;
  }

  get isLive(): boolean {
    return this.live;
  }

  snapshot(): ClusterSnapshot {
    const s: ClusterSnapshot = {
      nodes: [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })),
      locks: this.locks,
      forecast: this.fc,
      events: [...this.events],
      backendInstalled: this.ds !== undefined,
    };
    if (this.block) s.clusterBlock = this.block;
    return s;
  }

  private settle(changed: string[]): DeltaOp[] {
    const ops: DeltaOp[] = [];
    const nodes = [...this.nodes.values()];
    const locks = lockView([...this.leases.values()], nodes);
    const lj = JSON.stringify(locks);
    if (lj !== this.locksJson) {
      this.locks = locks;
      this.locksJson = lj;
      ops.push({ op: 'locks', locks });
    }
    const pos = new Map(locks.waiting.map((n, i) => [n, i + 1]));
    const dirty = new Set(changed);
    for (const v of nodes) {
      const p = pos.get(v.name);
      if (p !== v.queuePosition) {
        if (p === undefined) delete v.queuePosition;
        else v.queuePosition = p;
        dirty.add(v.name);
      }
    }
    for (const name of dirty) {
      const v = this.nodes.get(name);
      if (!v) continue;
      const j = JSON.stringify(v);
      if (j === this.sent.get(name)) continue;
      this.sent.set(name, j);
      ops.push({ op: 'node', node: v });
    }
    return ops;
  }

  /**
   * Recomputes the forecast; an op only if it changed. Called on a timer (about once a second),
   * not per change: it reads every node's history, and a coarse estimate need not be fresher.
   */
  refreshForecast(): DeltaOp[] {
    const nodes = [...this.nodes.values()];
    this.samples ??= recentSamples(nodes);
    const fc = forecast({ nodes, locks: this.locks, now: this.now(), samples: this.samples, windowClosesAt: earliestClose(nodes), clusterBlock: this.block });
    const fj = JSON.stringify(fc);
    if (fj === this.fcJson) return [];
    this.fc = fc;
    this.fcJson = fj;
    return [{ op: 'forecast', forecast: fc }];
  }
}

/** The earliest close of the windows that nodes still in the rollout are in: the rollout must
 *  finish before the first of them shuts (conservative when nodes have different windows). */
export function earliestClose(nodes: readonly NodeView[]): number | undefined {
  let min: number | undefined;
  for (const n of nodes) {
    const st = n.state;
    if (!st?.rebootRequired || !st.windowCloses) continue;
    const t = Date.parse(st.windowCloses);
    if (Number.isFinite(t) && (min === undefined || t < min)) min = t;
  }
  return min;
}

// Waiting markers: a Lease `nodemend-wait-<node>` per node that waits for a lock slot, its
// acquireTime saying since when. The hub shows the queue from them; an agent reads its own place.
// Markers only inform: the lock itself never depends on them.

import type * as k8s from '@kubernetes/client-node';
import { code, microTime, timeMs } from '../../shared/kube.ts';
import { waitMarkerName, WAIT_PREFIX } from '../../../protocol/leases.ts';

export class WaitingMarkers {
  private readonly coord: k8s.CoordinationV1Api;
  private readonly namespace: string;
  private readonly node: string;
  private readonly now: () => number;
  private readonly cached: (() => readonly k8s.V1Lease[]) | undefined;
  private readonly call: <T>(p: Promise<T>) => Promise<T>;

  constructor(coord: k8s.CoordinationV1Api, namespace: string, node: string, now: () => number, cached: (() => readonly k8s.V1Lease[]) | undefined, call: <T>(p: Promise<T>) => Promise<T>) {
    this.coord = coord;
    this.namespace = namespace;
    this.node = node;
    this.now = now;
    this.cached = cached;
    this.call = call;
  }

  /** Idempotent; with an informer cache, costs no API call when nothing changes. */
  async set(waiting: boolean): Promise<void> {
    const name = waitMarkerName(this.node);
    const present = this.cached?.().some((l) => l.metadata?.name === name);
    try {
      if (waiting && !present) {
        const t = microTime(this.now());
        await this.call(this.coord.createNamespacedLease({ namespace: this.namespace, body: { metadata: { name }, spec: { holderIdentity: this.node, acquireTime: t, renewTime: t } } }));
      } else if (!waiting && (present || !this.cached)) {
        await this.call(this.coord.deleteNamespacedLease({ name, namespace: this.namespace }));
      }
    } catch (e) {
      // 409: the marker exists already; 404: it is gone already. Both are what we wanted.
      if (code(e) !== 409 && code(e) !== 404) throw e;
    }
  }

  /** 1-based place among the markers (oldest first), from the informer cache. */
  position(): number | undefined {
    const leases = this.cached?.();
    if (!leases) return undefined;
    const marks = leases
      .filter((l) => l.metadata?.name?.startsWith(WAIT_PREFIX))
      .map((l) => ({ node: l.spec?.holderIdentity ?? '', at: timeMs(l.spec?.acquireTime) ?? Number.MAX_SAFE_INTEGER }))
      .sort((a, b) => a.at - b.at || a.node.localeCompare(b.node));
    const i = marks.findIndex((m) => m.node === this.node);
    return i < 0 ? undefined : i + 1;
  }
}

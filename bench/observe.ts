// Watches the cluster as a neutral observer (admin credentials, its own watches) and turns what
// it sees into timeline events: cordon/uncordon and "lock requested" from Nodes, lock/release
// from the system's lock objects. The same code observes both systems.

import * as k8s from '@kubernetes/client-node';
import type { TestCluster } from '../tools/harness/index.ts';
import type { EventKind, TimelineEvent } from './stats.ts';
import type { LockView } from './sut.ts';

type Requested = (node: k8s.V1Node) => boolean;

export class Observer {
  readonly events: TimelineEvent[] = [];
  private readonly cordoned = new Map<string, boolean>();
  private readonly requested = new Map<string, boolean>();
  private readonly holdersByObj = new Map<string, Set<string>>();
  private readonly aborts: AbortController[] = [];
  private stopped = false;
  private readonly c: TestCluster;
  private readonly lock: LockView;
  private readonly isRequested: Requested;

  constructor(c: TestCluster, lock: LockView, isRequested: Requested) {
    this.c = c;
    this.lock = lock;
    this.isRequested = isRequested;
  }

  add(node: string, kind: EventKind, t = Date.now()): void {
    this.events.push({ node, kind, t });
  }

  /** Currently held lock slots, by node. */
  holders(): Set<string> {
    const all = new Set<string>();
    for (const s of this.holdersByObj.values()) for (const n of s) all.add(n);
    return all;
  }

  isCordoned(node: string): boolean {
    return this.cordoned.get(node) === true;
  }

  async start(): Promise<void> {
    await this.watch('/api/v1/nodes', {}, (type, obj) => this.onNode(type, obj as k8s.V1Node));
    await this.watch(this.lock.path, this.lock.query, (type, obj) => this.onLock(type, obj as k8s.KubernetesObject));
  }

  stop(): void {
    this.stopped = true;
    for (const a of this.aborts) a.abort();
  }

  private async watch(path: string, query: Record<string, string>, cb: (type: string, obj: unknown) => void): Promise<void> {
    const w = new k8s.Watch(this.c.kc);
    const run = async (): Promise<void> => {
      // Re-watch after the server closes the stream (it does every few minutes); a fresh
      // watch replays current objects as ADDED, which the handlers treat idempotently.
      const a = await w.watch(path, query, cb, () => {
        if (!this.stopped) setTimeout(() => void run().catch(() => undefined), 200);
      });
      this.aborts.push(a);
    };
    await run();
  }

  private onNode(type: string, n: k8s.V1Node): void {
    const name = n.metadata?.name;
    if (!name || type === 'DELETED') return;
    const cord = n.spec?.unschedulable === true;
    const was = this.cordoned.get(name);
    if (was !== undefined && was !== cord) this.add(name, cord ? 'cordon' : 'uncordon');
    this.cordoned.set(name, cord);
    const req = this.isRequested(n);
    if (req && this.requested.get(name) === false) this.add(name, 'request');
    this.requested.set(name, req);
  }

  private onLock(type: string, obj: k8s.KubernetesObject): void {
    const key = obj.metadata?.name ?? '';
    const now = new Set(type === 'DELETED' ? [] : this.lock.holders(obj));
    const before = this.holdersByObj.get(key) ?? new Set<string>();
    for (const n of now) if (!before.has(n)) this.add(n, 'lock');
    for (const n of before) if (!now.has(n)) this.add(n, 'release');
    this.holdersByObj.set(key, now);
  }
}

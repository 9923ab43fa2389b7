// The independent invariant watcher: informers (list + watch) on Nodes, the lock Leases and the
// agent DaemonSet in the lock namespace, and Node Events, feeding the pure checker (invariants.ts)
// with the time each change was seen. It shares no code with the agent or the hub beyond the
// documented annotation format, so it judges them from the outside, as an operator would.

import * as k8s from '@kubernetes/client-node';
import { Invariants, type Policy, type Violation } from './invariants.ts';

export interface WatcherOptions {
  namespace?: string;
  dsName?: string;
  policy: Policy;
  now?: () => number;
  /** Called at each new violation (e.g. to print it as it happens). */
  onViolation?: (v: Violation) => void;
}

export class Watcher {
  readonly inv: Invariants;
  private readonly kc: k8s.KubeConfig;
  private readonly o: WatcherOptions;
  private readonly now: () => number;
  private readonly informers: k8s.ListWatch<k8s.KubernetesObject>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reported = 0;
  /** Watch restarts after errors (API server restarts), for the report. */
  restarts = 0;

  constructor(kc: k8s.KubeConfig, o: WatcherOptions) {
    this.kc = kc;
    this.o = o;
    this.now = o.now ?? Date.now;
    this.inv = new Invariants(o.policy);
  }

  get violations(): readonly Violation[] {
    return this.inv.violations;
  }

  /** Starts the informers and resolves once each has listed once. */
  async start(): Promise<void> {
    const ns = this.o.namespace ?? 'nodemend';
    const ds = this.o.dsName ?? 'nodemend-agent';
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const coord = this.kc.makeApiClient(k8s.CoordinationV1Api);
    const apps = this.kc.makeApiClient(k8s.AppsV1Api);
    const t = () => this.now();
    await Promise.all([
      this.add<k8s.V1Node>('/api/v1/nodes', () => core.listNode(), (n) => this.inv.node(t(), n), (n) => this.inv.nodeGone(t(), n.metadata?.name ?? '')),
      this.add<k8s.V1Lease>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, () => coord.listNamespacedLease({ namespace: ns }), (l) => this.inv.lease(t(), l), (l) => this.inv.leaseGone(t(), l.metadata?.name ?? '')),
      this.add<k8s.V1DaemonSet>(
        `/apis/apps/v1/namespaces/${ns}/daemonsets`,
        () => apps.listNamespacedDaemonSet({ namespace: ns, fieldSelector: `metadata.name=${ds}` }),
        (d) => this.inv.cluster(t(), d.metadata?.annotations),
        () => this.inv.cluster(t(), undefined),
        `metadata.name=${ds}`,
      ),
      this.add<k8s.CoreV1Event>(
        '/api/v1/events',
        () => core.listEventForAllNamespaces({ fieldSelector: 'involvedObject.kind=Node' }),
        (e) => this.inv.event(e.involvedObject?.name ?? '', `${e.type ?? ''} ${e.reason ?? ''}: ${(e.message ?? '').slice(0, 200)}`),
        () => undefined,
        'involvedObject.kind=Node',
      ),
    ]);
    this.timer = setInterval(() => this.check(), 1000);
    this.timer.unref();
  }

  /** Runs the time-based checks now (also done every second). */
  check(): void {
    this.inv.tick(this.now());
    this.report();
  }

  finish(exempt?: (node: string) => boolean): readonly Violation[] {
    this.inv.finish(this.now(), exempt);
    this.report();
    return this.inv.violations;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private report(): void {
    // Increment outside the optional call: `f?.(x++)` skips the increment when f is absent.
    for (; this.reported < this.inv.violations.length; this.reported++) this.o.onViolation?.(this.inv.violations[this.reported]);
  }

  private async add<T extends k8s.KubernetesObject>(path: string, list: () => Promise<k8s.KubernetesListObject<T>>, up: (o: T) => void, gone: (o: T) => void, fieldSelector?: string): Promise<void> {
    const lw = new k8s.ListWatch<T>(path, new k8s.Watch(this.kc), list, false, undefined, fieldSelector);
    const guard = (f: (o: T) => void) => (o: T) => {
      f(o);
      this.report();
    };
    lw.on(k8s.ADD, guard(up));
    lw.on(k8s.UPDATE, guard(up));
    lw.on(k8s.DELETE, guard(gone));
    let backoff = 500;
    lw.on(k8s.CONNECT, () => (backoff = 500));
    // A ListWatch stops on errors other than 410; keep watching through API server restarts.
    lw.on(k8s.ERROR, () => {
      if (this.stopped) return;
      this.restarts++;
      setTimeout(() => {
        if (!this.stopped) lw.start().catch(() => undefined);
      }, backoff).unref();
      backoff = Math.min(backoff * 2, 5000);
    });
    this.informers.push(lw as unknown as k8s.ListWatch<k8s.KubernetesObject>);
    await lw.start();
  }
}

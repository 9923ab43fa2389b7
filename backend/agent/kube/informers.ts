// The agent's shared informers: its own Node (field selector, so an agent never caches the whole
// cluster), the agent DaemonSet (cluster-wide manual block) and the Leases of the lock namespace
// (lock slots and waiting markers). Everything the agent reads about the cluster on its hot path
// comes from these caches; the API server sees one watch per kind per agent, not polling.

import * as k8s from '@kubernetes/client-node';
import type { Disposable, Logger } from '../ports.ts';
import { informer, type Watcher } from '../../shared/informer.ts';

export interface InformerOptions {
  node: string;
  /** Namespace of the agent DaemonSet and the lock Leases. */
  namespace: string;
  daemonSet: string;
}

export type Topic = 'node' | 'daemonset' | 'leases';

export class AgentInformers {
  readonly opts: InformerOptions;
  readonly nodes: Watcher<k8s.V1Node>;
  readonly daemonSets: Watcher<k8s.V1DaemonSet>;
  readonly leases: Watcher<k8s.V1Lease>;
  private readonly subs = new Set<{ topics: Topic[]; cb: () => void }>();

  constructor(kc: k8s.KubeConfig, opts: InformerOptions, log: Logger) {
    this.opts = opts;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    const { node, namespace, daemonSet } = opts;
    const nodeSel = `metadata.name=${node}`;
    const dsSel = `metadata.name=${daemonSet}`;
    const fire = (t: Topic) => () => this.fire(t);
    this.nodes = informer(kc, { name: 'node', path: '/api/v1/nodes', list: () => core.listNode({ fieldSelector: nodeSel }), onChange: fire('node'), fieldSelector: nodeSel, log });
    this.daemonSets = informer(kc, {
      name: 'daemonset',
      path: `/apis/apps/v1/namespaces/${namespace}/daemonsets`,
      list: () => apps.listNamespacedDaemonSet({ namespace, fieldSelector: dsSel }),
      onChange: fire('daemonset'),
      fieldSelector: dsSel,
      log,
    });
    this.leases = informer(kc, {
      name: 'leases',
      path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
      list: () => coord.listNamespacedLease({ namespace }),
      onChange: fire('leases'),
      log,
    });
  }

  node(): k8s.V1Node | undefined {
    return this.nodes.cache.get(this.opts.node);
  }

  daemonSet(): k8s.V1DaemonSet | undefined {
    return this.daemonSets.cache.get(this.opts.daemonSet, this.opts.namespace);
  }

  leaseList(): readonly k8s.V1Lease[] {
    return this.leases.cache.list(this.opts.namespace);
  }

  synced(): boolean {
    return this.nodes.synced() && this.daemonSets.synced() && this.leases.synced();
  }

  healthy(): boolean {
    return this.nodes.healthy() && this.daemonSets.healthy() && this.leases.healthy();
  }

  async waitSynced(timeoutMs = 30_000): Promise<void> {
    await Promise.all([this.nodes.waitSynced(timeoutMs), this.daemonSets.waitSynced(timeoutMs), this.leases.waitSynced(timeoutMs)]);
  }

  subscribe(topics: Topic[], cb: () => void): Disposable {
    const s = { topics, cb };
    this.subs.add(s);
    return { dispose: () => this.subs.delete(s) };
  }

  private fire(t: Topic): void {
    for (const s of [...this.subs]) {
      if (!s.topics.includes(t)) continue;
      try {
        s.cb();
      } catch {
        // A subscriber's bug must not break the informer's dispatch to the others.
      }
    }
  }

  async stop(): Promise<void> {
    this.subs.clear();
    await Promise.all([this.nodes.stop(), this.daemonSets.stop(), this.leases.stop()]);
  }
}

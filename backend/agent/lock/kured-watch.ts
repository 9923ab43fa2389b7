// KuredPort on the Kubernetes API: watches Kured's DaemonSet (one object: a field selector on its
// name, which is what lets RBAC grant it by resourceNames) and reads its lock annotation; reads
// this Node and Kured's pods on it fresh before undoing a cordon Kured left. Read only towards
// Kured: nodemend never writes Kured's lock. The rules are pure (kured.ts).

import * as k8s from '@kubernetes/client-node';
import type { Disposable, KuredPort, Logger } from '../ports.ts';
import { apiMessage, code, mergePatch, withTimeout } from '../../shared/kube.ts';
import { informer, type Watcher } from '../../shared/informer.ts';
import { parseKuredLock, unschedulableOwners, type KuredCordonFacts, type KuredLockFact } from './kured.ts';

export interface KuredWatchOptions {
  node: string;
  namespace: string;
  name: string;
  annotation: string;
  onApiError?: (op: string) => void;
}

const CALL_MS = 15_000;

export class KuredWatch implements KuredPort {
  private readonly o: KuredWatchOptions;
  private readonly core: k8s.CoreV1Api;
  private readonly ds: Watcher<k8s.V1DaemonSet>;
  private readonly subs = new Set<() => void>();
  private readonly where: string;

  constructor(kc: k8s.KubeConfig, o: KuredWatchOptions, log: Logger) {
    this.o = o;
    this.where = `DaemonSet ${o.namespace}/${o.name}`;
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const sel = `metadata.name=${o.name}`;
    this.ds = informer(kc, {
      name: 'kured-daemonset',
      path: `/apis/apps/v1/namespaces/${o.namespace}/daemonsets`,
      list: () => apps.listNamespacedDaemonSet({ namespace: o.namespace, fieldSelector: sel }),
      fieldSelector: sel,
      onChange: () => {
        for (const cb of [...this.subs]) cb();
      },
      log,
    });
  }

  observe(): KuredLockFact {
    const where = this.where;
    // Not listed yet, refused (e.g. RBAC), or the watch is failing: the cache may miss a lock
    // Kured took meanwhile, and no answer is not "no holders".
    if (!this.ds.synced() || !this.ds.healthy()) return { kind: 'unknown', where, error: this.ds.synced() ? 'the watch fails (see the agent log)' : this.ds.healthy() ? 'not listed yet' : 'the list fails (see the agent log)' };
    const ds = this.ds.cache.get(this.o.name, this.o.namespace);
    if (!ds) return { kind: 'absent', where };
    const r = parseKuredLock(ds.metadata?.annotations?.[this.o.annotation]);
    if (!r.ok) return { kind: 'invalid', where, error: `annotation ${this.o.annotation}: ${r.error}` };
    return { kind: 'read', where, holders: r.holders };
  }

  onChange(cb: () => void): Disposable {
    this.subs.add(cb);
    return { dispose: () => this.subs.delete(cb) };
  }

  async gather(): Promise<KuredCordonFacts> {
    const n = await this.call('read-node', this.core.readNode({ name: this.o.node }));
    const facts: KuredCordonFacts = {
      unschedulable: !!n.spec?.unschedulable,
      cordonManagers: unschedulableOwners(n.metadata?.managedFields),
      resourceVersion: n.metadata?.resourceVersion ?? '',
    };
    const uid = this.ds.cache.get(this.o.name, this.o.namespace)?.metadata?.uid;
    try {
      // Kured's pods on this node: owned by its DaemonSet, in any phase, terminating included
      // (a Kured pod still shutting down may still be draining).
      const pods = await this.call('list-kured-pods', this.core.listNamespacedPod({ namespace: this.o.namespace, fieldSelector: `spec.nodeName=${this.o.node}` }));
      facts.kuredPods = pods.items.filter((p) => p.metadata?.ownerReferences?.some((r) => r.kind === 'DaemonSet' && (uid ? r.uid === uid : r.name === this.o.name))).map((p) => p.metadata?.name ?? '');
    } catch {
      // Left undefined: kuredAdoption then keeps the cordon (cannot tell whether Kured runs).
    }
    return facts;
  }

  async adopt(resourceVersion: string): Promise<boolean> {
    try {
      // The resourceVersion makes the merge patch a compare-and-swap: a cordon written after the
      // facts were gathered answers 409 instead of being undone.
      await this.call('uncordon', this.core.patchNode({ name: this.o.node, body: { metadata: { resourceVersion }, spec: { unschedulable: null } } }, mergePatch()));
      return true;
    } catch (e) {
      if (code(e) === 409) return false;
      throw new Error(`cannot uncordon the node Kured left cordoned: ${apiMessage(e)}`);
    }
  }

  waitSynced(timeoutMs: number): Promise<void> {
    return this.ds.waitSynced(timeoutMs);
  }

  async stop(): Promise<void> {
    this.subs.clear();
    await this.ds.stop();
  }

  private async call<T>(op: string, p: Promise<T>): Promise<T> {
    try {
      return await withTimeout(p, CALL_MS, `kured ${op}`);
    } catch (e) {
      this.o.onApiError?.(`kured-${op}`);
      throw e;
    }
  }
}

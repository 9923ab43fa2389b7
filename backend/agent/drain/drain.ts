// DrainPort on the real API server, with kubectl drain's behaviour: plan with the filters
// (filters.ts), evict every pod in parallel through the Eviction subresource (policy/v1), retry a
// 429 (PodDisruptionBudget) after a delay instead of hammering, count 404 as done, give up at the
// global timeout, then wait until the evicted pods are really gone. Progress names each blocked
// pod and the budget that holds it.

import * as k8s from '@kubernetes/client-node';
import type { DrainOptions, DrainPort, DrainProgressReport, DrainResult, Logger, PdbBlock } from '../ports.ts';
import { apiMessage, code, withTimeout } from '../../shared/kube.ts';
import { describePlan, planDrain, podInfo, podKey, refusalReason, type PodInfo } from './filters.ts';
import { matchingPdbs, pdbBlocks, pdbInfo, pdbKey, type PdbInfo } from './pdb.ts';

export interface KubeDrainOptions {
  node: string;
  /** Pause before retrying a refused eviction (kubectl: 5 s). */
  retryDelayMs?: number;
  /** How often to look whether evicted pods are gone (kubectl: 1 s). */
  pollMs?: number;
  now?: () => number;
  onApiError?: (op: string) => void;
}

const CALL_MS = 20_000;

type Blocked = DrainProgressReport['blocked'][number];

export class KubeDrain implements DrainPort {
  private readonly core: k8s.CoreV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly policy: k8s.PolicyV1Api;
  private readonly o: Required<Omit<KubeDrainOptions, 'onApiError'>> & Pick<KubeDrainOptions, 'onApiError'>;
  private readonly log: Logger;

  constructor(kc: k8s.KubeConfig, opts: KubeDrainOptions, log: Logger) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.policy = kc.makeApiClient(k8s.PolicyV1Api);
    // Explicit defaults: a spread would let an `undefined` option override them.
    this.o = { ...opts, retryDelayMs: opts.retryDelayMs ?? 5000, pollMs: opts.pollMs ?? 1000, now: opts.now ?? Date.now };
    this.log = log;
  }

  async precheck(opts: DrainOptions): Promise<PdbBlock[]> {
    return (await this.planWithBlocks(opts)).blocks;
  }

  async rehearse(opts: DrainOptions): Promise<string> {
    const { plan, blocks } = await this.planWithBlocks(opts);
    return describePlan(plan, blocks);
  }

  /** The drain plan now, and the pods of it that a PodDisruptionBudget would hold back. */
  private async planWithBlocks(opts: DrainOptions) {
    const plan = await this.plan(opts);
    const pods = plan.evict;
    const blocks = pods.length ? pdbBlocks(pods, await this.pdbs(new Set(pods.map((p) => p.namespace)))) : [];
    return { plan, blocks };
  }

  async drain(opts: DrainOptions, onProgress: (p: DrainProgressReport) => void, signal: AbortSignal): Promise<DrainResult> {
    const started = this.o.now();
    const deadline = opts.timeoutMs > 0 ? started + opts.timeoutMs : Infinity;
    let plan: Awaited<ReturnType<KubeDrain['plan']>>;
    try {
      plan = await this.plan(opts);
    } catch (e) {
      return { ok: false, reason: `cannot list the pods on the node: ${apiMessage(e)}`, blocked: [] };
    }
    if (plan.refused.length) return { ok: false, reason: refusalReason(plan.refused), blocked: [] };
    for (const s of plan.skipped) this.log.info('drain skips pod', s);
    const targets = [...plan.evict, ...plan.wait];
    const left = new Set(targets.map(podKey));
    const blocked = new Map<string, Blocked>();
    const report = () => onProgress({ total: targets.length, left: left.size, blocked: [...blocked.values()] });
    report();
    const stop = () => signal.aborted || this.o.now() >= deadline;
    const waiter = new GoneWatcher(this, opts.skipWaitForDeleteTimeoutSeconds);

    const one = async (p: PodInfo, evict: boolean) => {
      const key = podKey(p);
      if (evict) {
        const done = await this.evictUntilAccepted(p, opts, blocked, report, stop, deadline, signal);
        if (!done) return;
      }
      blocked.delete(key);
      while (!stop()) {
        if (await waiter.gone(p)) {
          left.delete(key);
          report();
          return;
        }
        await sleep(Math.min(this.o.pollMs, deadline - this.o.now()), signal);
      }
    };
    await Promise.all([...plan.evict.map((p) => one(p, true)), ...plan.wait.map((p) => one(p, false))]);

    if (left.size === 0) return { ok: true };
    const pdbBlocked: PdbBlock[] = [...blocked.values()].filter((b) => b.pdb).map((b) => ({ pod: b.pod, pdb: b.pdb!, reason: b.reason }));
    const names = [...left].slice(0, 10).map((k) => {
      const b = blocked.get(k);
      return b ? `${k} (${b.pdb ? `PodDisruptionBudget ${b.pdb}` : b.reason})` : `${k} (still terminating)`;
    });
    const why = signal.aborted ? 'drain cancelled' : `drain timed out after ${Math.round((this.o.now() - started) / 1000)}s`;
    return { ok: false, reason: `${why} with ${left.size} pod(s) left: ${names.join(', ')}${left.size > 10 ? ', ...' : ''}`, blocked: pdbBlocked };
  }

  /** Posts the eviction until accepted (true), or until stopped (false). 404 counts as accepted. */
  private async evictUntilAccepted(p: PodInfo, opts: DrainOptions, blocked: Map<string, Blocked>, report: () => void, stop: () => boolean, deadline: number, signal: AbortSignal): Promise<boolean> {
    const key = podKey(p);
    const deleteOptions: k8s.V1DeleteOptions = {};
    if (opts.gracePeriodSeconds >= 0) deleteOptions.gracePeriodSeconds = opts.gracePeriodSeconds;
    while (!stop()) {
      try {
        await withTimeout(
          this.core.createNamespacedPodEviction({ name: p.name, namespace: p.namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.name, namespace: p.namespace }, deleteOptions } }),
          CALL_MS,
          `evict ${key}`,
        );
        this.log.info('evicted pod', { pod: key });
        return true;
      } catch (e) {
        const status = code(e);
        // 404: gone already, which is what the eviction was for.
        if (status === 404) return true;
        const b: Blocked = { pod: key, reason: apiMessage(e) };
        if (status === 429) {
          const pdb = await this.pdbFor(p);
          if (pdb) b.pdb = pdb;
        } else {
          this.o.onApiError?.('evict');
        }
        const prev = blocked.get(key);
        blocked.set(key, b);
        if (!prev || prev.reason !== b.reason || prev.pdb !== b.pdb) {
          this.log.warn('eviction refused; will retry', { pod: key, status, pdb: b.pdb, reason: b.reason });
          report();
        }
      }
      await sleep(Math.min(this.o.retryDelayMs, deadline - this.o.now()), signal);
    }
    return false;
  }

  private async pdbFor(p: PodInfo): Promise<string | undefined> {
    try {
      const m = matchingPdbs(p, await this.pdbs(new Set([p.namespace])));
      return m.length ? m.map(pdbKey).join(',') : undefined;
    } catch {
      return undefined;
    }
  }

  private async plan(opts: DrainOptions) {
    const list = await this.call('list-pods', this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.o.node}`, labelSelector: opts.podSelector || undefined }));
    const dsNames = new Map<string, boolean>();
    for (const p of list.items) {
      const c = p.metadata?.ownerReferences?.find((o) => o.controller && o.kind === 'DaemonSet');
      if (c) dsNames.set(`${p.metadata?.namespace}/${c.name}`, true);
    }
    // kubectl deletes an orphaned DaemonSet pod only with force: find out which DaemonSets exist.
    await Promise.all(
      [...dsNames.keys()].map(async (k) => {
        const [namespace, name] = k.split('/');
        try {
          await this.call('read-ds', this.apps.readNamespacedDaemonSet({ name, namespace }));
        } catch (e) {
          if (code(e) === 404) dsNames.set(k, false);
          else throw e;
        }
      }),
    );
    return planDrain(list.items.map(podInfo), opts, this.o.now(), (ns, name) => dsNames.get(`${ns}/${name}`) !== false);
  }

  private async pdbs(namespaces: Set<string>): Promise<PdbInfo[]> {
    const lists = await Promise.all([...namespaces].map((namespace) => this.call('list-pdbs', this.policy.listNamespacedPodDisruptionBudget({ namespace }))));
    return lists.flatMap((l) => l.items.map(pdbInfo));
  }

  /** Pods on the node now, by namespace/name (used by GoneWatcher). */
  async podsOnNode(): Promise<Map<string, PodInfo>> {
    const list = await this.call('list-pods', this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.o.node}` }));
    return new Map(list.items.map((p) => [podKey(podInfo(p)), podInfo(p)]));
  }

  now(): number {
    return this.o.now();
  }

  pollMs(): number {
    return this.o.pollMs;
  }

  private async call<T>(op: string, p: Promise<T>): Promise<T> {
    try {
      return await withTimeout(p, CALL_MS, op);
    } catch (e) {
      this.o.onApiError?.(op);
      throw e;
    }
  }
}

/**
 * Answers "is this pod gone?" for every pod of a drain from one list per poll interval, not one
 * GET per pod: a pod is gone when no pod of that name and uid remains on the node, or when its
 * deletion started longer ago than skip-wait-for-delete-timeout.
 */
class GoneWatcher {
  private snap: { at: number; pods: Promise<Map<string, PodInfo>> } | undefined;
  private readonly d: KubeDrain;
  private readonly skipWaitS: number;

  constructor(d: KubeDrain, skipWaitS: number) {
    this.d = d;
    this.skipWaitS = skipWaitS;
  }

  async gone(p: PodInfo): Promise<boolean> {
    const now = this.d.now();
    if (!this.snap || now - this.snap.at >= this.d.pollMs()) {
      this.snap = { at: now, pods: this.d.podsOnNode() };
      this.snap.pods.catch(() => {});
    }
    let pods: Map<string, PodInfo>;
    try {
      pods = await this.snap.pods;
    } catch {
      return false; // the API is away: not known to be gone, keep waiting
    }
    const cur = pods.get(podKey(p));
    if (!cur || cur.uid !== p.uid) return true;
    return this.skipWaitS > 0 && cur.deletionMs !== undefined && Math.floor((now - cur.deletionMs) / 1000) > this.skipWaitS;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}


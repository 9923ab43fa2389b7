// NodePort on the real API server. Reads come from the informer cache; writes that depend on the
// current value (cordon, uncordon, history, taints) read the Node fresh and write with its
// resourceVersion, so a person's concurrent change is never overwritten (409 = re-read, retry).

import * as k8s from '@kubernetes/client-node';
import type { AgentNodeState, RebootRecord } from '../../../protocol/model.ts';
import { HISTORY_MAX } from '../../../protocol/model.ts';
import { A, parseHistory } from '../../../protocol/annotations.ts';
import type { Disposable, Logger, NodeFacts, NodePort } from '../ports.ts';
import { code, isNodeReady, mergePatch, withTimeout } from '../../shared/kube.ts';
import type { AgentInformers } from './informers.ts';
import { EventRecorder } from './events.ts';

const RETRIES = 5;
const CALL_TIMEOUT_MS = 20_000;

export interface KubeNodeOptions {
  node: string;
  now?: () => number;
  onApiError?: (op: string) => void;
  eventDedupeWindowMs?: number;
}

/** Facts the core needs, from a Node object. */
export function nodeFacts(n: k8s.V1Node): NodeFacts {
  const md = n.metadata ?? {};
  const ann = md.annotations ?? {};
  return {
    name: md.name ?? '',
    ready: isNodeReady(n),
    unschedulable: !!n.spec?.unschedulable,
    cordonedByUs: ann[A.cordonedBy] !== undefined,
    bootId: n.status?.nodeInfo?.bootID ?? '',
    labels: { ...md.labels },
    annotations: { ...ann },
    resourceVersion: md.resourceVersion ?? '',
  };
}

export class KubeNode implements NodePort {
  private readonly core: k8s.CoreV1Api;
  private readonly inf: AgentInformers;
  private readonly name: string;
  private readonly now: () => number;
  private readonly events: EventRecorder;
  private readonly onApiError: (op: string) => void;

  constructor(kc: k8s.KubeConfig, informers: AgentInformers, opts: KubeNodeOptions, log: Logger) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.inf = informers;
    this.name = opts.node;
    this.now = opts.now ?? Date.now;
    this.onApiError = opts.onApiError ?? (() => {});
    this.events = new EventRecorder(kc, { node: opts.node, now: this.now, onApiError: this.onApiError, dedupeWindowMs: opts.eventDedupeWindowMs }, log);
  }

  facts(): NodeFacts | undefined {
    const n = this.inf.node();
    return n ? nodeFacts(n) : undefined;
  }

  onChange(cb: () => void): Disposable {
    return this.inf.subscribe(['node', 'daemonset'], cb);
  }

  clusterAnnotations(): Record<string, string> {
    return { ...this.inf.daemonSet()?.metadata?.annotations };
  }

  cordon(): Promise<boolean> {
    return this.readModifyWrite('cordon', (n) => {
      const marked = n.metadata?.annotations?.[A.cordonedBy] !== undefined;
      // Already cordoned: by us (restart) nothing to do; by a person, leave it unmarked so we
      // never uncordon what a person cordoned.
      if (n.spec?.unschedulable) return undefined;
      return {
        metadata: { annotations: { [A.cordonedBy]: marked ? n.metadata!.annotations![A.cordonedBy] : `nodemend-agent ${new Date(this.now()).toISOString()}` } },
        spec: { unschedulable: true },
      };
    });
  }

  uncordon(): Promise<boolean> {
    return this.readModifyWrite('uncordon', (n) => {
      if (n.metadata?.annotations?.[A.cordonedBy] === undefined) return undefined;
      return { metadata: { annotations: { [A.cordonedBy]: null } }, spec: { unschedulable: null } };
    });
  }

  async publishState(state: AgentNodeState): Promise<void> {
    const v = JSON.stringify(state);
    // Skip a write that changes nothing: every watcher of Nodes would see it.
    if (this.inf.node()?.metadata?.annotations?.[A.state] === v) return;
    await this.patch('state', { metadata: { annotations: { [A.state]: v } } });
  }

  async appendHistory(rec: RebootRecord): Promise<void> {
    await this.readModifyWrite('history', (n) => {
      const before = parseHistory(n.metadata?.annotations?.[A.history]);
      const hist = withRecord(before, rec);
      if (JSON.stringify(hist) === JSON.stringify(before)) return undefined;
      return { metadata: { annotations: { [A.history]: JSON.stringify(hist) } } };
    });
  }

  async clearRequests(keys: string[]): Promise<void> {
    const cur = this.inf.node()?.metadata?.annotations ?? {};
    const drop = keys.filter((k) => cur[k] !== undefined);
    if (drop.length === 0) return;
    await this.patch('clear-requests', { metadata: { annotations: Object.fromEntries(drop.map((k) => [k, null])) } });
  }

  async setLabels(labels: Record<string, string | null>): Promise<void> {
    const cur = this.inf.node()?.metadata?.labels ?? {};
    const change = Object.entries(labels).filter(([k, v]) => (v === null ? cur[k] !== undefined : cur[k] !== v));
    if (change.length === 0) return;
    await this.patch('labels', { metadata: { labels: Object.fromEntries(change) } });
  }

  async setPreferNoScheduleTaint(key: string, present: boolean): Promise<void> {
    await this.readModifyWrite('taint', (n) => {
      const taints = n.spec?.taints ?? [];
      const has = taints.some((t) => t.key === key && t.effect === 'PreferNoSchedule');
      if (has === present) return undefined;
      const next = present
        ? [...taints, { key, value: 'true', effect: 'PreferNoSchedule', timeAdded: new Date(this.now()) }]
        : taints.filter((t) => !(t.key === key && t.effect === 'PreferNoSchedule'));
      // A merge patch replaces the whole list: safe only because the resourceVersion guards it.
      return { spec: { taints: next } };
    });
  }

  event(type: 'Normal' | 'Warning', reason: string, message: string, key?: string): Promise<void> {
    return this.events.record(type, reason, message, this.inf.node()?.metadata?.uid, key);
  }

  private async patch(op: string, body: object): Promise<void> {
    try {
      await withTimeout(this.core.patchNode({ name: this.name, body }, mergePatch()), CALL_TIMEOUT_MS, `patch node (${op})`);
    } catch (e) {
      this.onApiError(op);
      throw e;
    }
  }

  /**
   * Lets `change` compute a merge patch from the Node (undefined = nothing to do) and writes it
   * guarded by the resourceVersion read; a 409 means someone else wrote in between. The first try
   * reads the informer cache, which saves a GET on the way to the drain and the release; a stale
   * cache only costs the 409. "Nothing to do" is never taken from the cache, though: a cache that
   * still shows our own cordon must not make a new cordon a no-op, so it is confirmed fresh.
   */
  /** True when it wrote; false when the Node, read fresh, already was as wanted. */
  private async readModifyWrite(op: string, change: (n: k8s.V1Node) => Record<string, unknown> | undefined): Promise<boolean> {
    const cached = this.inf.node();
    for (let i = 0; ; i++) {
      try {
        const fromCache = i === 0 && cached !== undefined && cached.metadata?.resourceVersion !== undefined;
        // structuredClone: `change` may keep parts of the object, and the cache's must stay as they are.
        const n = fromCache ? structuredClone(cached) : await withTimeout(this.core.readNode({ name: this.name }), CALL_TIMEOUT_MS, `read node (${op})`);
        const body = change(n);
        if (!body && fromCache) continue;
        if (!body) return false;
        const md = (body.metadata ?? {}) as Record<string, unknown>;
        body.metadata = { ...md, resourceVersion: n.metadata?.resourceVersion };
        await withTimeout(this.core.patchNode({ name: this.name, body }, mergePatch()), CALL_TIMEOUT_MS, `patch node (${op})`);
        return true;
      } catch (e) {
        if (code(e) === 409 && i < RETRIES) continue;
        this.onApiError(op);
        throw e;
      }
    }
  }
}

/** A reboot attempt's identity in the history: when its lock was taken and the boots before and after. */
function attemptKey(r: RebootRecord): string {
  return JSON.stringify([r.start, r.bootIdBefore ?? '', r.bootIdAfter ?? '']);
}

/** The history with `rec` first, replacing a record of the same attempt (a finish repeated after a restart). */
export function withRecord(hist: readonly RebootRecord[], rec: RebootRecord): RebootRecord[] {
  const key = attemptKey(rec);
  const same = hist.find((r) => attemptKey(r) === key);
  if (same) return hist.map((r) => (r === same ? rec : r));
  return [rec, ...hist].slice(0, HISTORY_MAX);
}

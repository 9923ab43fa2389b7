// Test support for the real-node lab: a recorder that notes, from the API server's watch streams,
// when each step of a node's reboot became visible (lock taken, cordon, drain, reboot issued,
// NotReady, new boot ID, Ready, uncordon, lock released), and the pod-availability guard that
// checks a PodDisruptionBudget was honoured throughout. Both read only what an operator's kubectl
// could, never the agent's internals.

import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { A, parseState } from '../../protocol/annotations.ts';
import type { ConnState } from '../../extension/connection/failures.ts';
import { HubClient } from '../../extension/connection/hub-client.ts';
import { readSettings } from '../../extension/connection/settings.ts';
import { resolveTarget } from '../../extension/connection/targets.ts';
import { loadKubeconfig } from '../../extension/kube/kubeconfig.ts';
import { StreamState } from '../../extension/state/stream.ts';

export const LOCK_PREFIX = 'nodemend-lock-';

export type Mark =
  | 'sentinel' | 'lock' | 'cordon' | 'draining' | 'rebooting' | 'notReady' | 'newBoot' | 'ready' | 'uncordon' | 'released' | 'healthy';

interface NodeTrack {
  bootId?: string;
  ready?: boolean;
  cordoned?: boolean;
  holds: boolean;
  /** First time each mark was seen in the current cycle (since `arm`). */
  marks: Partial<Record<Mark, number>>;
}

/** Per-node reboot timelines, in epoch ms as this process saw each change. */
export class Timeline {
  private readonly tracks = new Map<string, NodeTrack>();
  private readonly informers: k8s.ListWatch<k8s.KubernetesObject>[] = [];
  /** Lock handoffs: ms from one node's release to the next node's take. */
  readonly handoffs: number[] = [];
  private lastRelease: number | undefined;
  private stopped = false;
  private readonly kc: k8s.KubeConfig;

  constructor(kc: k8s.KubeConfig) {
    this.kc = kc;
  }

  private track(node: string): NodeTrack {
    let t = this.tracks.get(node);
    if (!t) this.tracks.set(node, (t = { holds: false, marks: {} }));
    return t;
  }

  /** Starts a new cycle for a node: `sentinel` is now. */
  arm(node: string, at = Date.now()): void {
    const t = this.track(node);
    t.marks = { sentinel: at };
  }

  marks(node: string): Partial<Record<Mark, number>> {
    return { ...this.track(node).marks };
  }

  private mark(t: NodeTrack, m: Mark, at: number): void {
    if (t.marks.sentinel !== undefined) t.marks[m] ??= at;
  }

  private onNode(n: k8s.V1Node): void {
    const now = Date.now();
    const t = this.track(n.metadata?.name ?? '');
    const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const cordoned = n.spec?.unschedulable === true;
    const bootId = n.status?.nodeInfo?.bootID;
    const phase = parseState(n.metadata?.annotations?.[A.state])?.phase;
    if (cordoned && !t.cordoned) this.mark(t, 'cordon', now);
    if (!cordoned && t.cordoned && t.marks.cordon !== undefined) this.mark(t, 'uncordon', now);
    if (phase === 'draining') this.mark(t, 'draining', now);
    if (phase === 'rebooting') this.mark(t, 'rebooting', now);
    if (!ready && t.ready) this.mark(t, 'notReady', now);
    if (bootId && t.bootId && bootId !== t.bootId) this.mark(t, 'newBoot', now);
    if (ready && t.marks.newBoot !== undefined) this.mark(t, 'ready', now);
    if (phase === 'healthy' && t.marks.newBoot !== undefined) this.mark(t, 'healthy', now);
    t.ready = ready;
    t.cordoned = cordoned;
    if (bootId) t.bootId = bootId;
  }

  private onLeases(all: Map<string, k8s.V1Lease>): void {
    const now = Date.now();
    const holders = new Set([...all.values()].filter((l) => l.metadata?.name?.startsWith(LOCK_PREFIX)).map((l) => l.spec?.holderIdentity).filter((h): h is string => !!h));
    for (const [name, t] of this.tracks) {
      const holds = holders.has(name);
      if (holds && !t.holds) {
        this.mark(t, 'lock', now);
        if (this.lastRelease !== undefined) this.handoffs.push(now - this.lastRelease);
        this.lastRelease = undefined;
      }
      if (!holds && t.holds) {
        this.mark(t, 'released', now);
        this.lastRelease = now;
      }
      t.holds = holds;
    }
  }

  /** A handoff counts only between two nodes that both wait: forget a release nobody took. */
  forgetRelease(): void {
    this.lastRelease = undefined;
  }

  async start(namespace = 'nodemend'): Promise<void> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const coord = this.kc.makeApiClient(k8s.CoordinationV1Api);
    const leases = new Map<string, k8s.V1Lease>();
    await Promise.all([
      this.watch<k8s.V1Node>('/api/v1/nodes', () => core.listNode(), (n) => this.onNode(n), () => undefined),
      this.watch<k8s.V1Lease>(
        `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
        () => coord.listNamespacedLease({ namespace }),
        (l) => {
          leases.set(l.metadata?.name ?? '', l);
          this.onLeases(leases);
        },
        (l) => {
          leases.delete(l.metadata?.name ?? '');
          this.onLeases(leases);
        },
      ),
    ]);
  }

  private async watch<T extends k8s.KubernetesObject>(path: string, list: () => Promise<k8s.KubernetesListObject<T>>, up: (o: T) => void, gone: (o: T) => void): Promise<void> {
    const lw = new k8s.ListWatch<T>(path, new k8s.Watch(this.kc), list, false);
    lw.on(k8s.ADD, up);
    lw.on(k8s.UPDATE, up);
    lw.on(k8s.DELETE, gone);
    lw.on(k8s.ERROR, () => {
      if (!this.stopped) setTimeout(() => void lw.start().catch(() => undefined), 1000);
    });
    this.informers.push(lw as unknown as k8s.ListWatch<k8s.KubernetesObject>);
    await lw.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}

/** The seconds between two marks, or undefined when either is missing. */
export function span(m: Partial<Record<Mark, number>>, from: Mark, to: Mark): number | undefined {
  const a = m[from];
  const b = m[to];
  return a === undefined || b === undefined ? undefined : Math.round(b - a) / 1000;
}

/**
 * Watches a Deployment's pods and records the fewest Ready ones seen at any moment after `start`:
 * with a PodDisruptionBudget of minAvailable M, a drain that honours it never takes that below M
 * (the replacement must be Ready before the next eviction is allowed).
 */
export class Availability {
  lowest = Number.POSITIVE_INFINITY;
  private readonly pods = new Map<string, boolean>();
  private lw: k8s.ListWatch<k8s.V1Pod> | undefined;
  private readonly kc: k8s.KubeConfig;

  constructor(kc: k8s.KubeConfig) {
    this.kc = kc;
  }

  async start(namespace: string, app: string): Promise<void> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const sel = `app=${app}`;
    this.lw = new k8s.ListWatch<k8s.V1Pod>(`/api/v1/namespaces/${namespace}/pods`, new k8s.Watch(this.kc), () => core.listNamespacedPod({ namespace, labelSelector: sel }), false, sel);
    const up = (p: k8s.V1Pod) => {
      const ready = !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      this.pods.set(p.metadata?.name ?? '', ready);
      this.note();
    };
    this.lw.on(k8s.ADD, up);
    this.lw.on(k8s.UPDATE, up);
    this.lw.on(k8s.DELETE, (p) => {
      this.pods.delete(p.metadata?.name ?? '');
      this.note();
    });
    await this.lw.start();
  }

  private note(): void {
    const ready = [...this.pods.values()].filter(Boolean).length;
    this.lowest = Math.min(this.lowest, ready);
  }

  async stop(): Promise<void> {
    await this.lw?.stop();
  }
}

/**
 * The VS Code extension's own connection code, outside VS Code, in its default mode (the API
 * server's service proxy to the hub pod) with a kubeconfig as a user has it: resolves the target,
 * connects, follows the stream, and resolves once `until` holds. (The same modules run in the
 * extension host; test/e2e runs them inside code-server against simulated nodes.)
 */
export async function extensionStream(kubeconfig: string, until: (s: StreamState) => boolean, timeoutMs: number): Promise<{ states: ConnState[]; details: string[]; stream: StreamState }> {
  const loaded = loadKubeconfig(kubeconfig, undefined);
  if (!loaded.ok) throw new Error(loaded.error);
  const { settings } = readSettings(() => undefined);
  assert.equal(settings.hubMode, 'proxy', 'the default connection mode');
  const stream = new StreamState();
  const states: ConnState[] = [];
  const details: string[] = [];
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, show: () => {} };
  let wake = () => {};
  const client = new HubClient({
    target: () => resolveTarget(settings, loaded, quiet),
    hello: () => stream.hello('lab'),
    onFrame: (m) => {
      const out = stream.handle(m);
      wake();
      if (out.kind === 'resync') {
        stream.forgetResume();
        return 'resync';
      }
      return out.kind === 'error' && out.fatal ? 'fatal' : 'ok';
    },
    onState: (s, d) => {
      states.push(s);
      if (d) details.push(d);
      wake();
    },
    log: quiet,
  });
  client.start();
  try {
    const end = Date.now() + timeoutMs;
    while (!until(stream)) {
      if (Date.now() > end) throw new Error(`the extension's stream: timed out; states ${states.join(' > ')}; details ${details.join(' | ')}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  } finally {
    client.stop();
  }
  return { states, details, stream };
}

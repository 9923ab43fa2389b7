// Test support for the real-node lab: a recorder that notes, from the API server's watch streams,
// when each step of a node's reboot became visible (lock taken, cordon, drain, reboot issued,
// NotReady, new boot ID, Ready, uncordon, lock released), and the pod-availability guard that
// checks a PodDisruptionBudget was honoured throughout. Both read only what an operator's kubectl
// could, never the agent's internals.

import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { A, parseState } from '../../protocol/annotations.ts';
import { LOCK_PREFIX } from '../../protocol/leases.ts';
import type { ConnState } from '../../extension/connection/failures.ts';
import { HubClient } from '../../extension/connection/hub-client.ts';
import { readSettings } from '../../extension/connection/settings.ts';
import { resolveTarget } from '../../extension/connection/targets.ts';
import { loadKubeconfig } from '../../extension/kube/kubeconfig.ts';
import { StreamState } from '../../extension/state/stream.ts';


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
 * The Ready pods of one app, followed through a watch, with the lowest count seen. A
 * PodDisruptionBudget governs voluntary disruptions (evictions); a pod marked not Ready by the
 * node lifecycle controller because its node's kubelet stopped reporting (an involuntary
 * disruption: Ready False while ContainersReady stays True) on a node nodemend is not disrupting
 * (schedulable) is counted apart, and every such episode is kept, so a test can tell a drain that
 * broke the budget from an emulated host that starved a neighbour's kubelet.
 */
export class Availability {
  /** The fewest Ready pods at any moment, whatever the cause. */
  lowest = Number.POSITIVE_INFINITY;
  /** The fewest pods Ready or only out through a lost node (what evictions alone left). */
  lowestVoluntary = Number.POSITIVE_INFINITY;
  /** Each time the count fell to a new low, or a pod was lost with its node: what was not Ready. */
  readonly episodes: string[] = [];
  private readonly pods = new Map<string, { ready: boolean; node?: string; lost: boolean; deleting: boolean }>();
  private readonly cordoned = new Map<string, boolean>();
  private readonly lws: k8s.ListWatch<k8s.KubernetesObject>[] = [];
  private readonly kc: k8s.KubeConfig;
  private readonly t0 = Date.now();
  /** False while the initial lists replay as one ADD per object: a half-filled map is no count. */
  private listed = false;

  constructor(kc: k8s.KubeConfig) {
    this.kc = kc;
  }

  async start(namespace: string, app: string): Promise<void> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const nodes = new k8s.ListWatch<k8s.V1Node>('/api/v1/nodes', new k8s.Watch(this.kc), () => core.listNode(), false);
    const node = (n: k8s.V1Node) => {
      this.cordoned.set(n.metadata?.name ?? '', n.spec?.unschedulable === true);
      this.note();
    };
    nodes.on(k8s.ADD, node);
    nodes.on(k8s.UPDATE, node);
    const sel = `app=${app}`;
    const pods = new k8s.ListWatch<k8s.V1Pod>(`/api/v1/namespaces/${namespace}/pods`, new k8s.Watch(this.kc), () => core.listNamespacedPod({ namespace, labelSelector: sel }), false, sel);
    const up = (p: k8s.V1Pod) => {
      const cond = (t: string) => (p.status?.conditions ?? []).find((c) => c.type === t)?.status;
      const name = p.metadata?.name ?? '';
      const was = this.pods.get(name);
      const deleting = p.metadata?.deletionTimestamp !== undefined;
      const ready = !deleting && cond('Ready') === 'True';
      const lost = !ready && !deleting && cond('ContainersReady') === 'True';
      this.pods.set(name, { ready, node: p.spec?.nodeName, lost, deleting });
      if (lost && !was?.lost) this.episodes.push(`${this.at()} ${name} on ${p.spec?.nodeName}: not Ready, its containers still ready (its node stopped reporting)`);
      this.note();
    };
    pods.on(k8s.ADD, up);
    pods.on(k8s.UPDATE, up);
    pods.on(k8s.DELETE, (p) => {
      this.pods.delete(p.metadata?.name ?? '');
      this.note();
    });
    this.lws.push(nodes as unknown as k8s.ListWatch<k8s.KubernetesObject>, pods as unknown as k8s.ListWatch<k8s.KubernetesObject>);
    await nodes.start();
    await pods.start();
    this.listed = true;
    this.note();
  }

  private at(): string {
    return `+${((Date.now() - this.t0) / 1000).toFixed(1)}s`;
  }

  private note(): void {
    if (!this.listed) return;
    const all = [...this.pods.entries()];
    const ready = all.filter(([, p]) => p.ready).length;
    const excused = all.filter(([, p]) => p.lost && p.node !== undefined && this.cordoned.get(p.node) === false).length;
    if (ready < this.lowest) {
      const out = all.filter(([, p]) => !p.ready).map(([n, p]) => `${n}@${p.node ?? 'unscheduled'}${p.deleting ? ' deleting' : p.lost ? ' node lost' : ' starting'}`);
      this.episodes.push(`${this.at()} ${ready} Ready; not Ready: ${out.join(', ') || 'none'}`);
    }
    this.lowest = Math.min(this.lowest, ready);
    this.lowestVoluntary = Math.min(this.lowestVoluntary, ready + excused);
  }

  async stop(): Promise<void> {
    for (const lw of this.lws) await lw.stop();
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

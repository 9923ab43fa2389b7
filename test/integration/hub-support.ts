// Test support for the hub: a stream client that records every frame, and a simulated agent
// that writes exactly what the agent writes (node annotations, lock Leases, waiting markers,
// Node Events) through the real API server.

import * as k8s from '@kubernetes/client-node';
import WebSocket from 'ws';
import { A } from '../../protocol/annotations.ts';
import { AGENT_EVENT_COMPONENT, NODE_EVENTS_NAMESPACE } from '../../protocol/events.ts';
import { applyDelta, mergeEvents, parseServerMessage, SUBPROTOCOL, type ClusterEvent, type ClusterSnapshot, type ServerMessage } from '../../protocol/messages.ts';
import type { AgentNodeState, Phase, RebootRecord } from '../../protocol/model.ts';

const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface ClientOptions {
  token?: string;
  resume?: { streamId: string; seq: number };
  versions?: number[];
  localAddress?: string;
  /** Send no hello (tests of bad input send their own frames). */
  noHello?: boolean;
  /** TLS for wss:// URLs (the lab's API server: its CA, and the name its certificate carries). */
  tls?: { ca: string; servername?: string };
}

/** A stream client that keeps the model up to date and records what it received. */
export class StreamClient {
  readonly ws: WebSocket;
  readonly frames: ServerMessage[] = [];
  snapshot: ClusterSnapshot | undefined;
  streamId = '';
  seq = -1;
  /** Every event the application would show, merged by id across resyncs. */
  events: ClusterEvent[] = [];
  /** Sequence gaps seen (expected seq, got seq). */
  readonly gaps: [number, number][] = [];
  closed: { code: number; reason: string } | undefined;
  readonly opened: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(url: string, opts: ClientOptions = {}) {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    this.ws = new WebSocket(url, [SUBPROTOCOL], { headers, localAddress: opts.localAddress, maxPayload: 64 << 20, ...opts.tls });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })));
      });
      this.ws.once('error', reject);
    });
    this.ws.on('message', (d) => this.onFrame(String(d)));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.notify();
    });
    this.ws.on('error', () => {});
    if (!opts.noHello) {
      void this.opened.then(() => this.send(JSON.stringify({ type: 'hello', versions: opts.versions ?? [1], resume: opts.resume, client: 'test' })), () => {});
    }
  }

  send(text: string): void {
    this.ws.send(text);
  }

  private onFrame(text: string): void {
    const p = parseServerMessage(text);
    if (!p.ok) throw new Error(`hub sent an invalid frame: ${p.error}`);
    const m = p.value;
    this.frames.push(m);
    if (m.type === 'hello') this.streamId = m.streamId;
    else if (m.type === 'snapshot') {
      this.snapshot = m.snapshot;
      this.seq = m.seq;
      this.events = mergeEvents(this.events, m.snapshot.events, 100_000);
    } else if (m.type === 'delta') {
      if (this.seq >= 0 && m.seq !== this.seq + 1) this.gaps.push([this.seq + 1, m.seq]);
      this.seq = m.seq;
      if (this.snapshot) applyDelta(this.snapshot, m.ops, 100_000);
      for (const o of m.ops) if (o.op === 'event') this.events.push(o.event);
    }
    this.notify();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once pred() holds (checked on every frame), or rejects after timeoutMs. */
  until(what: string, pred: () => boolean, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (pred()) {
          clearTimeout(t);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Plays one agent: writes what backend/agent writes, through the real API server. */
export class SimAgent {
  private readonly core: k8s.CoreV1Api;
  private readonly coord: k8s.CoordinationV1Api;
  readonly namespace: string;
  private seq = 0;

  constructor(kc: k8s.KubeConfig, namespace: string) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.coord = kc.makeApiClient(k8s.CoordinationV1Api);
    this.namespace = namespace;
  }

  async state(node: string, phase: Phase, extra: Partial<AgentNodeState> = {}): Promise<void> {
    const s: AgentNodeState = { v: 1, phase, reason: `sim ${phase}`, since: new Date().toISOString(), rebootRequired: phase !== 'healthy', agent: `agent-${node}`, ...extra };
    await this.core.patchNode({ name: node, body: { metadata: { annotations: { [A.state]: JSON.stringify(s) } } } }, merge());
  }

  async history(node: string, recs: RebootRecord[]): Promise<void> {
    await this.core.patchNode({ name: node, body: { metadata: { annotations: { [A.history]: JSON.stringify(recs) } } } }, merge());
  }

  async event(node: string, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): Promise<string> {
    const now = new Date();
    const name = `${node}.nm${Date.now().toString(36)}${(this.seq++).toString(36)}`;
    // Where the agent writes them (protocol/events.ts): the hub reads no other namespace.
    const ev = await this.core.createNamespacedEvent({
      namespace: NODE_EVENTS_NAMESPACE,
      body: {
        metadata: { name, namespace: NODE_EVENTS_NAMESPACE },
        involvedObject: { kind: 'Node', name: node, apiVersion: 'v1' },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        eventTime: micro(now),
        action: reason,
        reportingComponent: AGENT_EVENT_COMPONENT,
        reportingInstance: `agent-${node}`,
        source: { component: AGENT_EVENT_COMPONENT, host: node },
      },
    });
    return `${ev.metadata!.uid}:1`;
  }

  async lock(slot: string, node: string | undefined, stage = 'acquired'): Promise<void> {
    const now = new Date();
    const body: k8s.V1Lease = {
      metadata: { name: slot, namespace: this.namespace, annotations: { 'nodemend.dev/stage': stage, 'nodemend.dev/scope': 'cluster' } },
      spec: node ? { holderIdentity: node, acquireTime: micro(now), renewTime: micro(now), leaseDurationSeconds: 60 } : {},
    };
    try {
      const cur = await this.coord.readNamespacedLease({ name: slot, namespace: this.namespace });
      body.metadata!.resourceVersion = cur.metadata!.resourceVersion;
      await this.coord.replaceNamespacedLease({ name: slot, namespace: this.namespace, body });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      await this.coord.createNamespacedLease({ namespace: this.namespace, body });
    }
  }

  async waiting(node: string, on: boolean): Promise<void> {
    const name = `nodemend-wait-${node}`;
    if (on) {
      const now = micro(new Date());
      await this.coord.createNamespacedLease({ namespace: this.namespace, body: { metadata: { name }, spec: { holderIdentity: node, acquireTime: now } } });
    } else {
      await this.coord.deleteNamespacedLease({ name, namespace: this.namespace }).catch(() => {});
    }
  }
}

export async function ensureDaemonSet(apps: k8s.AppsV1Api, namespace: string, name: string): Promise<void> {
  const labels = { app: name };
  await apps.createNamespacedDaemonSet({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        selector: { matchLabels: labels },
        // Matches no node: the DaemonSet only carries the cluster-wide annotations here.
        template: { metadata: { labels }, spec: { nodeSelector: { 'nodemend.dev/none': 'x' }, containers: [{ name: 'agent', image: 'registry.invalid/nodemend/agent:1' }] } },
      },
    },
  });
}

/** MicroTime fields must be sent with six fractional digits; client-node would send three. */
export function micro(d: Date): k8s.V1MicroTime {
  return d.toISOString().replace(/Z$/, '000Z') as unknown as k8s.V1MicroTime;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

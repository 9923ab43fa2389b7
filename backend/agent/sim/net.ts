// The network between each simulated agent and the API server, for fault runs. Every agent gets a
// KubeConfig of its own (same CA and token), optionally pointed at a TCP relay of its own on
// 127.0.0.1 (TLS passes through untouched; the server's certificate names 127.0.0.1, so the
// relay's address verifies). Cutting a relay partitions that one agent for real: its open
// connections (watches, requests in flight) are reset, and new ones are accepted but never
// answered, so its next requests hang until their own timeouts. Healing drops those and forwards
// again. The simulated kubelet keeps the fleet's own client: only the agent is cut off.
//
// Each KubeConfig also taps the agent's API calls (not its watches) just before they are sent:
// it counts list requests (the herd after an outage) and can hold Lease writes back for a while
// (a slow API server on Lease writes: the write lands, and the agent hears back, that much later).

import * as k8s from '@kubernetes/client-node';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class Relay {
  readonly port: number;
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private readonly held = new Set<Socket>();
  private cutOff = false;

  private constructor(server: Server) {
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(target: { host: string; port: number }): Promise<Relay> {
    let relay: Relay | undefined;
    const server = createServer((client) => relay!.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    relay = new Relay(server);
    return relay;
  }

  get cut(): boolean {
    return this.cutOff;
  }

  /** Partition: reset what is open, hold new connections silent. */
  partition(): void {
    this.cutOff = true;
    for (const s of this.open) s.resetAndDestroy();
    this.open.clear();
  }

  /** Heal: connections held during the partition are reset (their requests timed out by now); new ones go through. */
  heal(): void {
    this.cutOff = false;
    for (const s of this.held) s.resetAndDestroy();
    this.held.clear();
  }

  async close(): Promise<void> {
    for (const s of [...this.open, ...this.held]) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    client.on('error', () => undefined);
    if (this.cutOff) {
      this.held.add(client);
      client.on('close', () => this.held.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair = [client, upstream];
    for (const s of pair) {
      this.open.add(s);
      s.on('close', () => {
        this.open.delete(s);
        for (const o of pair) if (o !== s) o.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

export interface NetOptions {
  kubeconfigPath: string;
  /** Give every agent a relay that can be cut (partitions). */
  relays: boolean;
  /** Source of the per-request latency draws (the run's seeded generator keeps a seed replayable). */
  random?: () => number;
}

/** One agent's connection to the API server: its KubeConfig, its relay (if any). */
interface Link {
  kc: k8s.KubeConfig;
  relay?: Relay;
}

export class SimNet {
  private readonly o: NetOptions;
  private readonly links = new Map<string, Link>();
  /** Lease writes of every agent wait a draw from this range before they are sent; undefined = no delay. */
  leaseLatency: { minMs: number; maxMs: number } | undefined;
  /** Lease writes delayed so far. */
  delayedWrites = 0;
  /** List requests of the whole fleet per true second (epoch seconds). */
  readonly listsPerSecond = new Map<number, number>();

  constructor(o: NetOptions) {
    this.o = o;
  }

  /** Prepares the links (relays listen before any agent starts). */
  async prepare(nodes: string[]): Promise<void> {
    const base = new k8s.KubeConfig();
    base.loadFromFile(this.o.kubeconfigPath);
    const server = new URL(base.getCurrentCluster()!.server);
    for (const n of nodes) {
      if (this.links.has(n)) continue;
      const relay = this.o.relays ? await Relay.start({ host: server.hostname, port: Number(server.port || 443) }) : undefined;
      this.links.set(n, { kc: this.tapped(relay ? via(this.o.kubeconfigPath, relay.port) : load(this.o.kubeconfigPath)), ...(relay ? { relay } : {}) });
    }
  }

  /** The agent's KubeConfig (the same object across agent restarts, so its connection pool is reused). */
  kubeConfig(node: string): k8s.KubeConfig {
    const l = this.links.get(node);
    if (!l) throw new Error(`no network prepared for ${node}`);
    return l.kc;
  }

  partition(node: string): void {
    const r = this.links.get(node)?.relay;
    if (!r) throw new Error(`${node} has no relay to cut (start the net with relays)`);
    r.partition();
  }

  heal(node: string): void {
    this.links.get(node)?.relay?.heal();
  }

  isCut(node: string): boolean {
    return this.links.get(node)?.relay?.cut ?? false;
  }

  /** Fleet list requests sent in [from, to) (true epoch ms), and the most in one second. */
  lists(from: number, to: number): { total: number; peakPerSecond: number } {
    let total = 0;
    let peak = 0;
    for (let s = Math.floor(from / 1000); s < Math.ceil(to / 1000); s++) {
      const n = this.listsPerSecond.get(s) ?? 0;
      total += n;
      peak = Math.max(peak, n);
    }
    return { total, peakPerSecond: peak };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.relay?.close()));
  }

  /** Wraps the per-request hook every API client of this KubeConfig calls before sending. */
  private tapped(kc: k8s.KubeConfig): k8s.KubeConfig {
    const apply = kc.applySecurityAuthentication.bind(kc);
    kc.applySecurityAuthentication = async (ctx) => {
      const method = String(ctx.getHttpMethod());
      const path = new URL(ctx.getUrl()).pathname;
      if (method === 'GET' && isList(path)) {
        const s = Math.floor(Date.now() / 1000);
        this.listsPerSecond.set(s, (this.listsPerSecond.get(s) ?? 0) + 1);
      }
      const lat = this.leaseLatency;
      if (lat && method !== 'GET' && path.startsWith('/apis/coordination.k8s.io/')) {
        this.delayedWrites++;
        const r = this.o.random ?? Math.random;
        await new Promise((res) => setTimeout(res, lat.minMs + Math.floor(r() * (lat.maxMs - lat.minMs))));
      }
      return apply(ctx);
    };
    return kc;
  }
}

/**
 * A GET of a collection rather than of one object: after /api/v1 or /apis/<group>/<version>,
 * `<resource>` or `namespaces/<ns>/<resource>` (an odd number of segments), except `namespaces`'
 * own objects' subresources, which the agent never reads.
 */
export function isList(path: string): boolean {
  const m = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/(.*)$/.exec(path);
  if (!m) return false;
  const segs = m[1].split('/').filter(Boolean);
  return segs.length % 2 === 1 && !['status', 'eviction', 'log', 'binding', 'scale'].includes(segs[segs.length - 1]);
}

function load(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** The kubeconfig at `path` with only the server's port changed (to a relay's). */
function via(path: string, port: number): k8s.KubeConfig {
  const kc = load(path);
  const cluster = kc.getCurrentCluster()!;
  const url = new URL(cluster.server);
  url.port = String(port);
  kc.loadFromOptions({
    clusters: kc.getClusters().map((x) => (x.name === cluster.name ? { ...x, server: url.toString().replace(/\/$/, '') } : x)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return kc;
}

// Many simulated machines, each with a real agent (real adapters against a real API server) in
// this one process: the integration tests and the demo run on it. A reboot stops that machine's
// agent (the process dies), keeps the Node NotReady for `rebootMs`, gives it a new bootID, clears
// its sentinel (/var/run is a tmpfs) and marks it Ready, then starts a fresh agent, so the
// start-up recovery path runs on every reboot, exactly as on a real node.

import * as k8s from '@kubernetes/client-node';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../config/config.ts';
import { startAgent, type AgentHandle } from '../main.ts';
import { jsonLogger, errMsg, type JsonLogger } from '../../shared/log.ts';
import type { Clock } from '../ports.ts';
import { SimHost } from './host.ts';
import { SimNodes } from './nodes.ts';

export interface FleetOptions {
  kubeconfigPath: string;
  /** Folder for the machines' sentinel folders. */
  dir: string;
  /** How long a rebooting machine stays NotReady. */
  rebootMs: number;
  /** Agent flags for every machine, e.g. ["--concurrency=2", "--period=5s"]. */
  flags?: string[];
  /** Extra flags for one machine. */
  nodeFlags?: (node: string) => string[];
  log?: JsonLogger;
  /** Called on every machine event (for tests and the demo's console). */
  onEvent?: (e: FleetEvent) => void;
  evictionRetryMs?: number;
  /** Serve each agent's /metrics (with --metrics-host=127.0.0.1 --metrics-port=0 in flags); default off. */
  metrics?: boolean;
  /** The credentials of one machine's agent (e.g. its pod-bound token); default the kubeconfig's. The simulated kubelet keeps the kubeconfig's. */
  agentKubeConfig?: (node: string) => k8s.KubeConfig | undefined;
  /** One machine's clock (e.g. skewed, sim/clock.ts); default the system clock. The simulated kubelet keeps true time. */
  clock?: (node: string) => Clock | undefined;
}

export interface FleetEvent {
  kind: 'agent-start' | 'agent-stop' | 'down' | 'up';
  node: string;
  at: number;
  bootId?: string;
}

export interface RebootRecordSim {
  node: string;
  downAt: number;
  upAt?: number;
  bootIdBefore: string;
  bootIdAfter?: string;
}

export class SimFleet {
  readonly o: FleetOptions;
  readonly kc: k8s.KubeConfig;
  readonly nodes: SimNodes;
  readonly agents = new Map<string, AgentHandle>();
  readonly hosts = new Map<string, SimHost>();
  readonly reboots: RebootRecordSim[] = [];
  private readonly down = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly log: JsonLogger;
  private bootSeq = 0;
  private stopped = false;

  constructor(o: FleetOptions) {
    this.o = o;
    this.kc = new k8s.KubeConfig();
    this.kc.loadFromFile(o.kubeconfigPath);
    this.nodes = new SimNodes(this.kc);
    this.log = o.log ?? jsonLogger('sim', 'warn');
  }

  static async start(nodes: string[], o: FleetOptions): Promise<SimFleet> {
    const f = new SimFleet(o);
    await f.ensureNamespace();
    await Promise.all(nodes.map((n) => f.startAgent(n)));
    return f;
  }

  sentinelPath(node: string): string {
    return join(this.o.dir, node, 'reboot-required');
  }

  requireReboot(nodes: string[]): void {
    for (const n of nodes) {
      mkdirSync(join(this.o.dir, n), { recursive: true });
      writeFileSync(this.sentinelPath(n), '*** System restart required ***\n');
    }
  }

  clearReboot(nodes: string[]): void {
    for (const n of nodes) rmSync(this.sentinelPath(n), { force: true });
  }

  isDown(node: string): boolean {
    return this.down.has(node);
  }

  /** Starts this machine's agent (a fresh process, as after a boot or a pod restart). */
  async startAgent(node: string): Promise<AgentHandle> {
    if (this.agents.has(node)) throw new Error(`agent of ${node} already runs`);
    mkdirSync(join(this.o.dir, node), { recursive: true });
    const argv = [`--node-id=${node}`, `--kubeconfig=${this.o.kubeconfigPath}`, `--reboot-sentinel=${this.sentinelPath(node)}`, '--log-level=warn', ...(this.o.flags ?? []), ...(this.o.nodeFlags?.(node) ?? [])];
    const parsed = parseConfig(argv, {});
    if (!parsed.ok) throw new Error(`simulated agent ${node}: ${parsed.errors.join('; ')}`);
    const host = new SimHost(this.sentinelPath(node), parsed.config.periodMs, () => this.track(this.reboot(node)));
    this.hosts.set(node, host);
    const clock = this.o.clock?.(node);
    const h = await startAgent(parsed.config, this.o.agentKubeConfig?.(node) ?? this.kc, { host, log: this.log, agent: `sim/${node}`, metricsServer: this.o.metrics === true, evictionRetryMs: this.o.evictionRetryMs, ...(clock ? { clock } : {}) });
    this.agents.set(node, h);
    this.emit('agent-start', node);
    return h;
  }

  /** Ends this machine's agent without a reboot (a crash or a deleted pod); a held lock stays. */
  async killAgent(node: string): Promise<void> {
    const h = this.agents.get(node);
    this.agents.delete(node);
    if (!h) return;
    await h.stop();
    this.emit('agent-stop', node);
  }

  /** Waits for reboots in progress to finish. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.agents.keys()].map((n) => this.killAgent(n)));
    await this.settle();
  }

  private async reboot(node: string): Promise<void> {
    if (this.down.has(node) || this.stopped) return;
    this.down.add(node);
    try {
      await this.killAgent(node);
      const before = await this.retry(() => this.nodes.bootId(node));
      const rec: RebootRecordSim = { node, downAt: Date.now(), bootIdBefore: before };
      this.reboots.push(rec);
      await this.retry(() => this.nodes.setReady(node, false));
      this.emit('down', node, before);
      await new Promise((r) => setTimeout(r, this.o.rebootMs));
      const after = `boot-${node}-${++this.bootSeq}-${Date.now().toString(36)}`;
      await this.retry(() => this.nodes.setBootId(node, after));
      this.clearReboot([node]);
      await this.retry(() => this.nodes.setReady(node, true));
      rec.upAt = Date.now();
      rec.bootIdAfter = after;
      this.emit('up', node, after);
      if (!this.stopped) await this.startAgent(node);
    } catch (e) {
      // While the fleet stops (the demo's Ctrl-C), a reboot in progress is cut short: not an error.
      if (this.stopped) this.log.info('simulated reboot cut short by the stop', { node, error: errMsg(e) });
      else this.log.error('simulated reboot failed', { node, error: errMsg(e) });
    } finally {
      this.down.delete(node);
    }
  }

  /** The API server may be restarting (fault tests): retry a simulated kubelet's write for a while. */
  private async retry<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (Date.now() > end || this.stopped) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private emit(kind: FleetEvent['kind'], node: string, bootId?: string): void {
    this.o.onEvent?.({ kind, node, at: Date.now(), ...(bootId ? { bootId } : {}) });
  }

  private async ensureNamespace(): Promise<void> {
    const parsed = parseConfig(['--node-id=x', ...(this.o.flags ?? [])], {});
    const namespaces = parsed.ok ? [...new Set([parsed.config.lockNamespace, parsed.config.dsNamespace])] : ['nodemend'];
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    for (const name of namespaces) {
      try {
        await core.createNamespace({ body: { metadata: { name } } });
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
      }
    }
  }
}

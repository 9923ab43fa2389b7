// nodemend as a system under test: one agent process per simulated node, run as the DaemonSet
// runs it: the esbuild bundle (built once at bench start, bench/bundle.ts) as
// `node <options> backend.mjs agent ...` with NODE_ENV=production and the Dockerfile's
// NODE_OPTIONS, the agent's own ServiceAccount and RBAC from deploy/base, and a kubeconfig
// holding that account's token. Footprint experiments give the agents different node options
// (variants, round-robin over the nodes) in one run.

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestCluster } from '../tools/harness/index.ts';
import { agentHome, httpOk, inPrivateMounts, NSENTER_SHIM, spawnAgent } from './procs.ts';
import type { AgentProc, RolloutSettings, SystemUnderTest } from './sut.ts';

const REPO = resolve(import.meta.dirname, '..');
const NS = 'nodemend';
const MAIN = join(REPO, 'backend/main.ts');
/** Phases in which the agent has seen the sentinel and asked for (or holds) the lock. */
const REQUESTED = new Set(['waiting-lock', 'draining', 'rebooting', 'verifying']);

/** Holder of one nodemend lock Lease (nodemend-lock-*), if any. */
export function leaseHolders(lease: unknown): string[] {
  const l = lease as { metadata?: { name?: string }; spec?: { holderIdentity?: string } };
  if (!l?.metadata?.name?.startsWith('nodemend-lock-')) return [];
  return l.spec?.holderIdentity ? [l.spec.holderIdentity] : [];
}

export function nodemendRequested(node: { metadata?: { annotations?: Record<string, string> } }): boolean {
  const raw = node.metadata?.annotations?.['nodemend.dev/state'];
  if (!raw) return false;
  try {
    return REQUESTED.has((JSON.parse(raw) as { phase?: string }).phase ?? '');
  } catch {
    return false;
  }
}

/** The agent program a variant runs: "@source", "@readable" or (default) the shipped bundle. */
export function programFor(variant: string, p: { shipped: string; source: string; readable?: string }): string {
  const tokens = variant.split(/\s+/);
  if (tokens.includes('@source')) return p.source;
  if (tokens.includes('@readable')) {
    if (!p.readable) throw new Error('variant "@readable" needs the readable (unminified) bundle');
    return p.readable;
  }
  return p.shipped;
}

export class NodemendSystem implements SystemUnderTest {
  readonly name = 'nodemend' as const;
  readonly apiUser = `system:serviceaccount:${NS}:nodemend-agent`;
  private readonly c: TestCluster;
  private readonly dir: string;
  private kubeconfig = '';
  private shim = '';
  /** Deviations from the shipped manifests the bench had to make, reported with the results. */
  readonly notes: string[] = [];
  /** The agent program (the bundle) and the image's NODE_OPTIONS. */
  private readonly program: string;
  private readonly envNodeOptions: string;
  /** Extra node options per variant; node i of the cluster runs variant i mod length. */
  readonly variants: string[];
  private readonly nodeIndex: Map<string, number>;

  private readonly readable: string | undefined;

  constructor(c: TestCluster, dir: string, o: { program?: string; readableProgram?: string; envNodeOptions?: string; variants?: string[]; nodes?: string[] } = {}) {
    this.c = c;
    this.dir = dir;
    this.program = o.program ?? MAIN;
    this.readable = o.readableProgram;
    this.envNodeOptions = o.envNodeOptions ?? '';
    this.variants = o.variants?.length ? o.variants : [''];
    this.nodeIndex = new Map((o.nodes ?? []).map((n, i) => [n, i]));
  }

  /** The variant (extra node options) an agent for `node` runs. */
  variantOf(node: string): string {
    return this.variants[(this.nodeIndex.get(node) ?? 0) % this.variants.length];
  }

  unavailable(): string | null {
    if (!existsSync(this.program)) return `not available (${this.program}, the agent program, does not exist)`;
    return null;
  }

  /** After /readyz (informers synced), 5 s more for the first reconcile and state write. */
  warmupMs(): number {
    return 5000;
  }

  /** The agent's /readyz: its informers have synced. Under load 20 agents starting together
   *  take 10 to 20 s to get there (a fixed 5 s warm-up let sentinels meet agents still
   *  starting, which the detection figure then counted). */
  ready(p: AgentProc): Promise<boolean> {
    return p.metricsPort === undefined ? Promise.resolve(true) : httpOk(p.metricsPort, '/readyz');
  }

  lock = { path: `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, query: {}, holders: leaseHolders };

  requestedLock(node: { metadata?: { annotations?: Record<string, string> } }): boolean {
    return nodemendRequested(node);
  }

  async prepare(): Promise<void> {
    const c = this.c;
    for (const f of ['namespace.yaml', 'agent-rbac.yaml']) {
      const r = await c.kubectl(['apply', '-f', join(REPO, 'deploy/base', f)]);
      if (r.code !== 0) throw new Error(`nodemend ${f}: ${r.stderr}`);
    }
    // The drain asks who owns each pod (DaemonSet pods stay); if the shipped role cannot read
    // DaemonSets the agent retries forever. Grant it for the bench and say so in the results.
    const can = await c.kubectl(['auth', 'can-i', 'get', 'daemonsets.apps', '-n', 'shop', `--as=system:serviceaccount:${NS}:nodemend-agent`]);
    if (can.stdout.trim() !== 'yes') {
      const extra = { apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'nodemend-bench-daemonsets' }, rules: [{ apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get', 'list', 'watch'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'nodemend-bench-daemonsets' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nodemend-bench-daemonsets' }, subjects: [{ kind: 'ServiceAccount', name: 'nodemend-agent', namespace: NS }] },
      ] };
      const x = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(extra) });
      if (x.code !== 0) throw new Error(`nodemend extra RBAC: ${x.stderr}`);
      this.notes.push('deploy/base/agent-rbac.yaml grants no get on daemonsets.apps, which the drain needs; the bench granted get/list/watch');
    }
    // The DaemonSet object carries cluster-wide block annotations; it selects no node here.
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'nodemend-agent', namespace: NS }, spec: {
      selector: { matchLabels: { app: 'nodemend-agent' } },
      template: { metadata: { labels: { app: 'nodemend-agent' } }, spec: { nodeSelector: { 'nodemend.dev/bench-none': 'none' }, containers: [{ name: 'agent', image: 'registry.invalid/nodemend:bench' }] } } } };
    const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(ds) });
    if (r.code !== 0) throw new Error(`nodemend DaemonSet: ${r.stderr}`);
    const tok = await c.core.createNamespacedServiceAccountToken({ name: 'nodemend-agent', namespace: NS, body: { spec: { audiences: [], expirationSeconds: 86_400 } } });
    this.shim = join(this.dir, 'nodemend-nsenter');
    writeFileSync(this.shim, NSENTER_SHIM);
    chmodSync(this.shim, 0o755);
    const ca = readFileSync(c.cp.info.caPath).toString('base64');
    this.kubeconfig = join(this.dir, 'nodemend-agent.kubeconfig');
    writeFileSync(this.kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'agent',
      clusters: [{ name: 'bench', cluster: { server: c.server, 'certificate-authority-data': ca } }],
      users: [{ name: 'agent', user: { token: tok.status!.token } }],
      contexts: [{ name: 'agent', context: { cluster: 'bench', user: 'agent', namespace: NS } }],
    }));
  }

  async resetLock(): Promise<void> {
    await this.c.kubectl(['-n', NS, 'delete', 'leases', '--all']);
  }

  async start(node: string, o: { sentinel: string; rebootMarker: string; settings: RolloutSettings }): Promise<AgentProc> {
    const { nodeDir, rebootScript, metricsPort } = await agentHome(this.dir, 'nodemend', node, o.rebootMarker);
    const variant = this.variantOf(node);
    const args = [
      // In a variant, "@source" runs backend/main.ts (type stripping) and "@readable" the unminified
      // bundle instead of the bundle the image ships.
      ...variant.split(/\s+/).filter((x) => x !== '' && !x.startsWith('@')), programFor(variant, { shipped: this.program, source: MAIN, readable: this.readable }), 'agent',
      `--node-id=${node}`, `--kubeconfig=${this.kubeconfig}`, `--reboot-sentinel=${o.sentinel}`,
      `--period=${o.settings.periodSeconds}s`, `--reboot-command=${rebootScript}`,
      '--metrics-host=127.0.0.1', `--metrics-port=${metricsPort}`, '--lock-release-delay=0',
      `--concurrency=${o.settings.concurrency}`, `--ds-namespace=${NS}`, '--ds-name=nodemend-agent',
      // The Kured cutover watch as shipped (one more watch per agent), pointed at a DaemonSet that
      // does not exist: the bench's own Kured runs on this cluster too, and its lock is not a
      // migration to wait for.
      `--kured-ds-namespace=${NS}`, '--kured-ds-name=kured-not-installed',
    ];
    // Same private mount namespace and nsenter stand-in as Kured gets (see procs.ts).
    const [cmd, argv] = inPrivateMounts([[this.shim, '/usr/bin/nsenter']], process.execPath, args);
    // The image's environment (Dockerfile ENV), not the bench's own NODE_OPTIONS.
    const env = { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: this.envNodeOptions };
    return spawnAgent(node, cmd, argv, env, join(nodeDir, 'agent.log'), { variant, metricsPort });
  }
}

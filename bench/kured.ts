// Kured as a system under test: one real Kured process per simulated node against the test
// control plane. Kured only reads in-cluster configuration, so each process gets a private
// mount namespace in which a folder holding its ServiceAccount token and the cluster CA is
// bind-mounted at the fixed in-cluster path. Nothing here builds Kured: the binary comes from
// KURED_BIN (see docs/benchmarks.md).

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TestCluster } from '../tools/harness/index.ts';
import { agentHome, inPrivateMounts, NSENTER_SHIM, spawnAgent } from './procs.ts';
import type { AgentProc, RolloutSettings, SystemUnderTest } from './sut.ts';

export const KURED_COMMIT = '51220cc778a4';
export const DEFAULT_KURED_BIN = join(homedir(), '.cache/nodemend/kured-51220cc/kured');
const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const NS = 'kube-system';
const LOCK_ANNOTATION = 'weave.works/kured-node-lock';
/** Kured's own annotation, written (with --annotate-nodes) right before it tries the lock. */
export const KURED_IN_PROGRESS = 'weave.works/kured-reboot-in-progress';

/** Node names in Kured's lock annotation: one entry, or the multi-owner list when concurrency > 1. */
export function kuredHolders(ds: unknown): string[] {
  const raw = (ds as { metadata?: { annotations?: Record<string, string> } })?.metadata?.annotations?.[LOCK_ANNOTATION];
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as { nodeID?: string; locks?: { nodeID?: string }[] };
    if (Array.isArray(v.locks)) return v.locks.map((l) => l.nodeID ?? '').filter((x) => x !== '');
    return v.nodeID ? [v.nodeID] : [];
  } catch {
    return [];
  }
}

export class KuredSystem implements SystemUnderTest {
  readonly name = 'kured' as const;
  readonly apiUser = `system:serviceaccount:${NS}:kured`;
  readonly bin: string;
  private readonly c: TestCluster;
  private readonly dir: string;
  private secretsDir = '';
  private shim = '';

  constructor(c: TestCluster, dir: string, bin = process.env.KURED_BIN || DEFAULT_KURED_BIN) {
    this.c = c;
    this.dir = dir;
    this.bin = bin;
  }

  unavailable(): string | null {
    if (!existsSync(this.bin)) return `not available (set KURED_BIN to a kured binary built from kubereboot/kured@${KURED_COMMIT})`;
    if (process.getuid?.() !== 0) return 'not available (running Kured needs root: private mount namespaces and nsenter)';
    return null;
  }

  /** Kured's start-up loop first ticks after 0.5 to 1.5 minutes (fixed), then the main loop's
   *  first tick comes 0.5 to 1.5 periods later. */
  warmupMs(s: RolloutSettings): number {
    return 90_000 + 1.5 * s.periodSeconds * 1000 + 2000;
  }

  lock = {
    path: `/apis/apps/v1/namespaces/${NS}/daemonsets`,
    query: { fieldSelector: 'metadata.name=kured' },
    holders: kuredHolders,
  };

  requestedLock(node: { metadata?: { annotations?: Record<string, string> } }): boolean {
    return node.metadata?.annotations?.[KURED_IN_PROGRESS] !== undefined;
  }

  async prepare(): Promise<void> {
    const c = this.c;
    await c.ensureNamespace(NS);
    // The permissions Kured documents for itself (its kured-rbac.yaml), restated here.
    const rbac = {
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kured', namespace: NS } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'kured' }, rules: [
          { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
          { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete', 'get'] },
          { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get'] },
          { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        ] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'kured' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kured' }, subjects: [{ kind: 'ServiceAccount', name: 'kured', namespace: NS }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'kured', namespace: NS }, rules: [
          { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: ['kured'], verbs: ['update'] },
        ] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'kured', namespace: NS },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kured' }, subjects: [{ kind: 'ServiceAccount', name: 'kured', namespace: NS }] },
        // The DaemonSet only carries the lock annotation: its selector matches no node, so it
        // adds no pods that drains would have to skip.
        { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kured', namespace: NS }, spec: {
          selector: { matchLabels: { app: 'kured' } },
          template: { metadata: { labels: { app: 'kured' } }, spec: { nodeSelector: { 'nodemend.dev/bench-none': 'none' }, containers: [{ name: 'kured', image: 'registry.invalid/kured:bench' }] } },
        } },
      ],
    };
    const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(rbac) });
    if (r.code !== 0) throw new Error(`kured RBAC: ${r.stderr}`);
    const tok = await c.core.createNamespacedServiceAccountToken({ name: 'kured', namespace: NS, body: { spec: { audiences: [], expirationSeconds: 86_400 } } });
    this.secretsDir = join(this.dir, 'kured-sa');
    mkdirSync(this.secretsDir, { recursive: true });
    const token = tok.status?.token;
    if (!token) throw new Error('TokenRequest for kube-system/kured returned no token');
    writeFileSync(join(this.secretsDir, 'token'), token);
    writeFileSync(join(this.secretsDir, 'ca.crt'), readFileSync(c.cp.info.caPath));
    writeFileSync(join(this.secretsDir, 'namespace'), NS);
    mkdirSync(SA_MOUNT, { recursive: true });
    this.shim = join(this.dir, 'kured-nsenter');
    writeFileSync(this.shim, NSENTER_SHIM);
    chmodSync(this.shim, 0o755);
  }

  async resetLock(): Promise<void> {
    await this.c.kubectl(['-n', NS, 'annotate', 'daemonset', 'kured', `${LOCK_ANNOTATION}-`]);
  }

  async start(node: string, o: { sentinel: string; rebootMarker: string; settings: RolloutSettings }): Promise<AgentProc> {
    // Kured runs the reboot command through nsenter into PID 1's mount namespace.
    const { nodeDir, rebootScript, metricsPort } = await agentHome(this.dir, 'kured', node, o.rebootMarker);
    const args = [
      `--node-id=${node}`, `--reboot-sentinel=${o.sentinel}`, `--period=${o.settings.periodSeconds}s`,
      `--reboot-command=${rebootScript}`, '--metrics-host=127.0.0.1', `--metrics-port=${metricsPort}`,
      '--lock-release-delay=0', `--concurrency=${o.settings.concurrency}`, `--ds-namespace=${NS}`, '--ds-name=kured',
      // Writes the in-progress annotation just before the lock attempt: how detection is seen.
      '--annotate-nodes=true',
    ];
    const env = { PATH: process.env.PATH, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(this.c.cp.info.apiPort) };
    const [cmd, argv] = inPrivateMounts([[this.secretsDir, SA_MOUNT], [this.shim, '/usr/bin/nsenter']], this.bin, args);
    return spawnAgent(node, cmd, argv, env, join(nodeDir, 'kured.log'), { metricsPort });
  }
}

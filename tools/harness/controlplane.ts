// Starts a real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (RBAC on, token
// auth for the admin, ServiceAccount tokens), kube-controller-manager with the controllers the
// tests rely on, kube-scheduler, and KWOK to play the kubelets of simulated nodes.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync, existsSync, copyFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { controlPlaneBin, repoRoot } from './binaries.ts';
import { freePort, startProc, stopProc, waitFor, type Proc } from './procs.ts';

/** Controllers we run. nodelifecycle keeps the node.kubernetes.io/not-ready taints in step with
 *  the Ready condition (as in production); its heartbeat grace is set so long that simulated
 *  nodes, which post no heartbeats, are never marked Unknown. No taint-eviction controller:
 *  pods are moved by drains only. */
export const CONTROLLERS = [
  'nodelifecycle',
  'disruption',
  'daemonset',
  'replicaset',
  'deployment',
  'garbagecollector',
  'serviceaccount',
  'namespace',
  'endpointslice',
];

/** Controllers of the lab, where real kubelets run real pods: nodelifecycle with its normal grace
 *  periods (real heartbeats), the root CA publisher (every pod's projected service-account volume
 *  needs the kube-root-ca.crt ConfigMap), and Endpoints beside EndpointSlices. */
export const LAB_CONTROLLERS = [...CONTROLLERS, 'root-ca-cert-publisher', 'endpoint'];

/**
 * Where the control plane runs when it serves real nodes (the lab, tools/lab): inside a network
 * namespace, listening on `address:6443` there. The host reaches it through a pair of forwarders
 * (tools/lab/forward.ts) on 127.0.0.1:`hostPort`, so nothing listens outside the namespace but
 * loopback.
 */
export interface NetnsPlacement {
  netns: string;
  address: string;
  hostPort: number;
  /** Extra lines of the static token file: the kubelets' and kube-proxies' identities. */
  tokens: string[];
}

export interface ControlPlaneInfo {
  dir: string;
  server: string;
  apiPort: number;
  etcdPort: number;
  token: string;
  kubeconfigPath: string;
  caPath: string;
  pids: Record<string, number>;
  /** The API server's audit log (JSON lines), when started with audit. */
  auditLogPath?: string;
  /** In the lab: the kubeconfig the components inside the namespace use (server on its address). */
  internalKubeconfigPath?: string;
  /** In the lab: the name the host checks the serving certificate against (it connects to
   *  127.0.0.1, which the certificate, made for the namespace's address, does not name). */
  tlsServerName?: string;
}

/** A name the API server's self-signed serving certificate always carries. */
export const LAB_TLS_NAME = 'kubernetes.default.svc';

export class ControlPlane {
  readonly procs = new Map<string, Proc>();
  private apiArgs: string[] = [];
  private etcdArgs: string[] = [];
  info!: ControlPlaneInfo;
  private readonly bin: string;
  private readonly detached: boolean;
  private readonly dir: string;
  private readonly audit: boolean;
  private readonly net: NetnsPlacement | undefined;

  constructor(dir: string, detached = false, audit = false, net?: NetnsPlacement) {
    this.bin = controlPlaneBin();
    this.dir = dir;
    this.detached = detached;
    this.audit = audit;
    this.net = net;
  }

  private log(name: string): string {
    return join(this.dir, 'logs', `${name}.log`);
  }

  private start(name: string, args: string[], bin = join(this.bin, name)): Proc {
    const [cmd, argv] = this.net ? ['ip', ['netns', 'exec', this.net.netns, bin, ...args]] : [bin, args];
    const p = startProc(name, cmd, argv, this.log(name), this.detached);
    this.procs.set(name, p);
    return p;
  }

  async up(): Promise<ControlPlaneInfo> {
    const d = this.dir;
    mkdirSync(join(d, 'logs'), { recursive: true });
    mkdirSync(join(d, 'pki'), { recursive: true });
    const net = this.net;
    // Inside the lab's namespace every port is free: fixed, well-known ones.
    const [etcdPort, peerPort, apiPort, kwokPort] = net ? [2379, 2380, 6443, 0] : await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const token = randomBytes(24).toString('hex');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(d, 'pki/sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(join(d, 'pki/sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(d, 'pki/tokens.csv'), [`${token},nodemend-admin,nodemend-admin,"system:masters"`, ...(net?.tokens ?? [])].join('\n') + '\n', { mode: 0o600 });

    this.etcdArgs = [
      '--name=default', `--data-dir=${join(d, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      // Test data is disposable: skipping fsync makes the control plane fast on slow disks.
      '--unsafe-no-fsync', '--log-level=warn',
    ];
    const etcd = this.start('etcd', this.etcdArgs);
    // In the namespace, etcd's loopback is not the host's: the API server's /readyz covers it.
    if (!net) await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, 30_000, etcd.logPath);

    const bind = net?.address ?? '127.0.0.1';
    this.apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--bind-address=${bind}`, `--advertise-address=${bind}`, `--secure-port=${apiPort}`,
      `--cert-dir=${join(d, 'pki')}`,
      `--token-auth-file=${join(d, 'pki/tokens.csv')}`,
      // Real kubelets are held to their own Node and its pods, as in production clusters.
      net ? '--authorization-mode=Node,RBAC' : '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(d, 'pki/sa.pub')}`,
      `--service-account-signing-key-file=${join(d, 'pki/sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // The API server cannot publish 127.0.0.1 as the kubernetes Service endpoint; nothing needs it
      // there. In the lab, pods reach it through that Service (kube-proxy), so it is published.
      ...(net
        ? ['--enable-admission-plugins=NodeRestriction', '--kubelet-preferred-address-types=InternalIP']
        : ['--endpoint-reconciler-type=none']),
      '--enable-priority-and-fairness=false', '--profiling=false',
      // The agent DaemonSet is privileged (nsenter into the host to reboot), as in real clusters.
      '--allow-privileged=true',
    ];
    // The audit log attributes every request to its user: the bench counts an agent's API load
    // from it exactly, by ServiceAccount, verb and resource. Metadata level, one line per request
    // (watches: when the response starts and when it ends), no rotation.
    const auditLogPath = join(d, 'audit.log');
    if (this.audit) {
      writeFileSync(join(d, 'audit-policy.json'), JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'Metadata' }] }));
      this.apiArgs.push(`--audit-policy-file=${join(d, 'audit-policy.json')}`, `--audit-log-path=${auditLogPath}`, '--audit-log-maxsize=0', '--audit-log-format=json');
    }
    const api = this.start('kube-apiserver', this.apiArgs);
    const caPath = join(d, 'pki/apiserver.crt');
    // The file appears before it is written: wait for whole certificates, unchanged over two
    // polls (an empty copy made too early failed a chaos run's start with "self-signed
    // certificate in certificate chain").
    let lastPem = '';
    await waitFor('kube-apiserver certificate', async () => {
      const pem = existsSync(caPath) ? readFileSync(caPath, 'utf8') : '';
      const done = /-----END CERTIFICATE-----\s*$/.test(pem) && pem === lastPem;
      lastPem = pem;
      return done;
    }, 60_000, api.logPath);
    // Keep a stable copy: the CA of the self-signed serving certificate the server generated.
    copyFileSync(caPath, join(d, 'pki/ca.crt'));
    const server = `https://127.0.0.1:${net?.hostPort ?? apiPort}`;
    this.info = {
      dir: d, server, apiPort, etcdPort, token, kubeconfigPath: join(d, 'kubeconfig'), caPath: join(d, 'pki/ca.crt'), pids: {},
      ...(this.audit ? { auditLogPath } : {}),
      ...(net ? { internalKubeconfigPath: join(d, 'kubeconfig-internal'), tlsServerName: LAB_TLS_NAME } : {}),
    };
    this.writeKubeconfig(this.info.kubeconfigPath, server, this.info.tlsServerName);
    if (net) {
      this.writeKubeconfig(this.info.internalKubeconfigPath!, `https://${net.address}:${apiPort}`);
      const fwd = join(repoRoot, 'tools/lab/forward.ts');
      const sock = join(d, 'api.sock');
      this.start('forward-ns', [fwd, `unix:${sock}`, `tcp:${net.address}:${apiPort}`], process.execPath);
      const host = startProc('forward-host', process.execPath, [fwd, `tcp:127.0.0.1:${net.hostPort}`, `unix:${sock}`], this.log('forward-host'), this.detached);
      this.procs.set('forward-host', host);
    }
    await this.waitReady(api.logPath);

    const kcfg = this.info.internalKubeconfigPath ?? this.info.kubeconfigPath;
    this.start('kube-controller-manager', [
      `--kubeconfig=${kcfg}`, `--controllers=${(net ? LAB_CONTROLLERS : CONTROLLERS).join(',')}`, '--leader-elect=false',
      '--bind-address=127.0.0.1', '--secure-port=0', `--service-account-private-key-file=${join(d, 'pki/sa.key')}`,
      `--root-ca-file=${this.info.caPath}`, '--use-service-account-credentials=false',
      // Simulated nodes post no heartbeats and must never turn Unknown; real kubelets do post them.
      ...(net ? [] : ['--node-monitor-grace-period=87600h', '--node-startup-grace-period=87600h']),
      '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--kube-api-qps=200', '--kube-api-burst=400',
    ]);
    this.start('kube-scheduler', [
      `--kubeconfig=${kcfg}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
      '--kube-api-qps=200', '--kube-api-burst=400',
    ]);
    if (!net) {
      this.start('kwok', [
        `--kubeconfig=${kcfg}`, '--manage-all-nodes=true', `--server-address=127.0.0.1:${kwokPort}`,
        `--config=${join(repoRoot, 'tools/harness/kwok-stages.yaml')}`, '--node-ip=127.0.0.1',
      ]);
    }
    for (const [name, p] of this.procs) this.info.pids[name] = p.child.pid ?? 0;
    writeFileSync(join(d, 'state.json'), JSON.stringify(this.info, null, 2));
    return this.info;
  }

  private writeKubeconfig(path: string, server: string, tlsServerName?: string): void {
    const ca = readFileSync(this.info.caPath).toString('base64');
    writeFileSync(
      path,
      [
        'apiVersion: v1', 'kind: Config', 'current-context: nodemend-local',
        'clusters:', '- name: nodemend-local', '  cluster:', `    server: ${server}`,
        `    certificate-authority-data: ${ca}`, ...(tlsServerName ? [`    tls-server-name: ${tlsServerName}`] : []),
        'users:', '- name: nodemend-admin', '  user:', `    token: ${this.info.token}`,
        'contexts:', '- name: nodemend-local', '  context:', '    cluster: nodemend-local', '    user: nodemend-admin',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }

  private async waitReady(logPath: string): Promise<void> {
    await waitFor('kube-apiserver /readyz', () => this.get('/readyz').then((r) => r.status === 200), 90_000, logPath);
  }

  /** A raw authenticated GET, for health checks. */
  get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.info.server}${path}`,
        {
          ca: readFileSync(this.info.caPath), headers: { authorization: `Bearer ${this.info.token}` }, timeout: 5000,
          ...(this.info.tlsServerName ? { servername: this.info.tlsServerName } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  }

  /** Stops and starts kube-apiserver with the same port and data: clients see a real outage. */
  async restartApiServer(downMs = 0): Promise<void> {
    const p = this.procs.get('kube-apiserver');
    if (p) await stopProc(p);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    const api = this.start('kube-apiserver', this.apiArgs);
    await this.waitReady(api.logPath);
  }

  /**
   * Stops etcd alone (SIGTERM; same data folder, so nothing is lost) and starts it again after
   * `downMs`: the API server stays up and answers with errors and timeouts meanwhile, which is a
   * different failure for clients than an API server that refuses connections.
   */
  async restartEtcd(downMs = 0): Promise<void> {
    await this.stopEtcd();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.startEtcd();
  }

  async stopEtcd(): Promise<void> {
    const p = this.procs.get('etcd');
    if (p) await stopProc(p);
  }

  async startEtcd(): Promise<void> {
    const cur = this.procs.get('etcd');
    if (cur && cur.child.exitCode === null && cur.child.signalCode === null) return;
    const etcd = this.start('etcd', this.etcdArgs);
    await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${this.info.etcdPort}/health`)).ok, 30_000, etcd.logPath);
  }

  async down(): Promise<void> {
    // Reverse order: clients first, etcd last.
    for (const name of ['kwok', 'kube-scheduler', 'kube-controller-manager', 'forward-host', 'forward-ns', 'kube-apiserver', 'etcd']) {
      const p = this.procs.get(name);
      if (p) await stopProc(p);
    }
  }
}

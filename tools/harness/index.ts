// The test control plane for nodemend: a real Kubernetes API server with simulated nodes.
// One call starts everything on free 127.0.0.1 ports in a temporary folder.

import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneBin } from './binaries.ts';
import { ControlPlane } from './controlplane.ts';
import { ClusterObjects } from './objects.ts';

export { waitFor, freePort } from './procs.ts';
export { ZONE_LABEL, POOL_LABEL, SIM_DOWN, isReady, code } from './objects.ts';
export type { NodeSpec, PodSpec, DeploymentSpec } from './objects.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  /** Folder for data, logs and kubeconfig; default a new temporary folder, removed on stop. */
  dir?: string;
  /** Keep processes running after this process exits (the `cluster up` command). */
  detached?: boolean;
  /** Write the API server's audit log (metadata of every request, as JSON lines) to `<dir>/audit.log`. */
  audit?: boolean;
}

export class TestCluster extends ClusterObjects {
  readonly cp: ControlPlane;
  readonly kubeconfigPath: string;
  readonly server: string;
  private readonly ownDir: boolean;

  constructor(cp: ControlPlane, ownDir: boolean) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.info.kubeconfigPath);
    super(kc);
    this.cp = cp;
    this.ownDir = ownDir;
    this.kubeconfigPath = cp.info.kubeconfigPath;
    this.server = cp.info.server;
  }

  get dir(): string {
    return this.cp.info.dir;
  }

  /** Runs the kubectl built at the server's version against this cluster. */
  kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        join(controlPlaneBin(), 'kubectl'),
        [`--kubeconfig=${this.kubeconfigPath}`, ...args],
        { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  }

  restartApiServer(downMs = 0): Promise<void> {
    return this.cp.restartApiServer(downMs);
  }

  /** Stops etcd alone for `downMs` and starts it again; the API server keeps running (and failing). */
  restartEtcd(downMs = 0): Promise<void> {
    return this.cp.restartEtcd(downMs);
  }

  async stop(): Promise<void> {
    await this.cp.down();
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startCluster(opts: StartOptions = {}): Promise<TestCluster> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'nodemend-cluster-'));
  const cp = new ControlPlane(dir, opts.detached, opts.audit);
  try {
    await cp.up();
  } catch (e) {
    await cp.down();
    throw e;
  }
  const c = new TestCluster(cp, opts.dir === undefined);
  await c.ensureNamespace('default');
  return c;
}

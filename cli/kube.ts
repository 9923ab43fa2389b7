// The plugin's only contact with the cluster, with the user's own kubeconfig: reads Nodes, the lock
// Leases and the agent DaemonSet, and writes request annotations as JSON merge patches (only the
// keys named change, so the agent's concurrent state writes are never overwritten). Errors come
// back as one sentence naming the missing permission and the nodemend role that grants it.

import * as k8s from '@kubernetes/client-node';
import { homedir } from 'node:os';
import { describeKubeError, statusMessage, type Attempt } from '../extension/kube/errors.ts';
import { kubeconfigSource, readKubeconfigFiles } from '../extension/kube/kubeconfig.ts';
import type { AnnotationPatch } from '../extension/kube/requests.ts';
import { AGENT_DAEMONSET } from '../extension/connection/settings.ts';

export type Loaded = { ok: true; kc: k8s.KubeConfig; context: string } | { ok: false; error: string };

/** kubectl's rules: --kubeconfig, else $KUBECONFIG (merged, first wins), else ~/.kube/config; --context, else current-context. */
export function loadKubeconfig(flag: string | undefined, context: string | undefined, env = process.env.KUBECONFIG): Loaded {
  const source = kubeconfigSource(flag, env, homedir());
  const from = flag ? '--kubeconfig' : source.from;
  const read = readKubeconfigFiles(source.paths);
  if (!read.ok) return { ok: false, error: read.missing ? `No kubeconfig found (${from}: ${source.paths.join(', ')}). Pass --kubeconfig, set $KUBECONFIG, or create ~/.kube/config.` : read.error };
  const { kc, present } = read;
  if (context) {
    if (!kc.getContextObject(context)) return { ok: false, error: `--context: context "${context}" is not in ${present.join(', ')}; kubectl config get-contexts lists them.` };
    kc.setCurrentContext(context);
  }
  const ctx = kc.getCurrentContext();
  if (!ctx || !kc.getCurrentCluster()) return { ok: false, error: `The kubeconfig ${present.join(', ')} has no current context with a cluster; pass --context or run kubectl config use-context.` };
  return { ok: true, kc, context: ctx };
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string; status?: number };

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Who grants what: the roles deploy/base/people-rbac.yaml ships (deploy/README.md "People"). */
function roleHint(a: Attempt): string {
  if (a.verb === 'patch' && a.resource === 'nodes') return ' nodemend grants it with the ClusterRole nodemend-requester: kubectl create clusterrolebinding <you>-nodemend-requester --clusterrole=nodemend-requester --user=<you>.';
  if (a.verb === 'patch' && a.resource === 'daemonsets') return ` nodemend grants it with the Role nodemend-requester in namespace "${a.namespace}": kubectl -n ${a.namespace} create rolebinding <you>-nodemend-requester --role=nodemend-requester --user=<you>.`;
  if (a.resource === 'nodes') return ' nodemend grants it with the ClusterRole nodemend-viewer (or nodemend-requester).';
  return '';
}

export class Cluster {
  private readonly core: k8s.CoreV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly coord: k8s.CoordinationV1Api;
  readonly context: string;
  readonly namespace: string;

  constructor(kc: k8s.KubeConfig, context: string, namespace: string) {
    this.context = context;
    this.namespace = namespace;
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.coord = kc.makeApiClient(k8s.CoordinationV1Api);
  }

  nodes(): Promise<Result<k8s.V1Node[]>> {
    return this.run({ what: 'list nodes', verb: 'list', resource: 'nodes' }, async () => (await this.core.listNode()).items);
  }

  node(name: string): Promise<Result<k8s.V1Node>> {
    return this.run({ what: `read node ${name}`, verb: 'get', resource: 'nodes', name }, () => this.core.readNode({ name }));
  }

  leases(): Promise<Result<k8s.V1Lease[]>> {
    const ns = this.namespace;
    return this.run({ what: 'list the lock Leases', verb: 'list', resource: 'leases', group: 'coordination.k8s.io', namespace: ns }, async () => (await this.coord.listNamespacedLease({ namespace: ns })).items);
  }

  daemonSet(): Promise<Result<k8s.V1DaemonSet>> {
    const ns = this.namespace;
    return this.run({ what: 'read the cluster-wide block', verb: 'get', resource: 'daemonsets', group: 'apps', namespace: ns, name: AGENT_DAEMONSET }, () => this.apps.readNamespacedDaemonSet({ name: AGENT_DAEMONSET, namespace: ns }));
  }

  patchNode(name: string, patch: AnnotationPatch, what: string): Promise<Result<void>> {
    return this.run({ what, verb: 'patch', resource: 'nodes', name }, async () => void (await this.core.patchNode({ name, body: patch }, MERGE)));
  }

  patchCluster(patch: AnnotationPatch, what: string): Promise<Result<void>> {
    const ns = this.namespace;
    const a: Attempt = { what, verb: 'patch', resource: 'daemonsets', group: 'apps', namespace: ns, name: AGENT_DAEMONSET };
    return this.run(a, async () => void (await this.apps.patchNamespacedDaemonSet({ name: AGENT_DAEMONSET, namespace: ns, body: patch }, MERGE)));
  }

  private async run<T>(a: Attempt, call: () => Promise<T>): Promise<Result<T>> {
    try {
      return { ok: true, value: await call() };
    } catch (e) {
      const status = typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : undefined;
      const server = statusMessage((e as { body?: unknown }).body);
      // An admission policy's refusal is a 403 too, but no RBAC rule is missing: say what it said.
      if (status === 403 && server && /admission|denied request/i.test(server)) return { ok: false, error: `The cluster refused to ${a.what}: ${server}`, status };
      const error = describeKubeError(e, { ...a, context: this.context }) + (status === 403 ? roleHint(a) : '');
      return { ok: false, error, status };
    }
  }
}

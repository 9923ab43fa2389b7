// Helpers that put realistic objects into the test cluster: simulated nodes with zone and pool
// labels, pods with real owners (the owning controllers create them), Deployments with
// PodDisruptionBudgets. Owners are real objects because the garbage collector deletes pods whose
// owner does not exist, exactly as in production.

import * as k8s from '@kubernetes/client-node';
import { waitFor } from './procs.ts';
// While present, KWOK leaves the node NotReady (kwok-stages.yaml): a simulated reboot in progress.
// Defined once, by the simulator that sets it, so the two can never disagree.
import { SIM_DOWN } from '../../backend/agent/sim/nodes.ts';

export { SIM_DOWN };
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const POOL_LABEL = 'nodemend.dev/pool';

const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const IMAGE = 'registry.invalid/nodemend/sim:1';

export interface NodeSpec {
  prefix?: string;
  zones?: string[];
  pools?: string[];
  labels?: Record<string, string>;
  /** Start index, so several calls can add distinct nodes. */
  start?: number;
}

export interface PodSpec {
  namespace?: string;
  name: string;
  node: string;
  owner: 'ReplicaSet' | 'DaemonSet' | 'none';
  emptyDir?: boolean;
  labels?: Record<string, string>;
  terminationGracePeriodSeconds?: number;
}

export interface DeploymentSpec {
  namespace?: string;
  name: string;
  replicas: number;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  /** Default a name no kubelet pulls (KWOK runs no containers); the lab passes a local image. */
  image?: string;
  terminationGracePeriodSeconds?: number;
  pdb?: { minAvailable?: number | string; maxUnavailable?: number | string };
  /** Prefer one pod per node (a topology spread the scheduler may break when nodes are cordoned). */
  spreadOverNodes?: boolean;
  /** How long the pods may take to run: real kubelets in emulated VMs need minutes, KWOK none. */
  readyTimeoutMs?: number;
}

export class ClusterObjects {
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly policy: k8s.PolicyV1Api;
  /** Admin credentials for the cluster. */
  readonly kc: k8s.KubeConfig;
  constructor(kc: k8s.KubeConfig) {
    this.kc = kc;
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.policy = kc.makeApiClient(k8s.PolicyV1Api);
  }

  async ensureNamespace(name: string): Promise<void> {
    try {
      await this.core.createNamespace({ body: { metadata: { name } } });
    } catch (e) {
      if (code(e) !== 409) throw e;
    }
    // Pods need the namespace's default ServiceAccount (made by the serviceaccount controller).
    await waitFor(`ServiceAccount ${name}/default`, async () => !!(await this.core.readNamespacedServiceAccount({ name: 'default', namespace: name })), 30_000);
  }

  async addNodes(n: number, spec: NodeSpec = {}): Promise<string[]> {
    const prefix = spec.prefix ?? 'node';
    const start = spec.start ?? 0;
    const names: string[] = [];
    await Promise.all(
      Array.from({ length: n }, async (_, k) => {
        const i = start + k;
        const name = `${prefix}-${i}`;
        names.push(name);
        const labels: Record<string, string> = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok', ...spec.labels };
        if (spec.zones?.length) labels[ZONE_LABEL] = spec.zones[i % spec.zones.length];
        if (spec.pools?.length) labels[POOL_LABEL] = spec.pools[i % spec.pools.length];
        await this.core.createNode({ body: { metadata: { name, labels, annotations: { 'kwok.x-k8s.io/node': 'fake' } } } });
        await this.setBootId(name, `boot-${name}-0`);
      }),
    );
    names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    await this.waitNodesReady(names);
    return names;
  }

  async waitNodesReady(names: string[], timeoutMs = 60_000): Promise<void> {
    await waitFor(`${names.length} nodes Ready`, async () => {
      const list = await this.core.listNode();
      // Ready and untainted: the node lifecycle controller lifts the not-ready taint right after.
      const ready = new Set(list.items.filter((n) => isReady(n) && !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready')).map((n) => n.metadata!.name!));
      return names.every((n) => ready.has(n));
    }, timeoutMs);
  }

  /** NotReady holds until set Ready again (KWOK is told to leave the node alone meanwhile). */
  async setNodeReady(name: string, ready: boolean): Promise<void> {
    if (!ready) await this.core.patchNode({ name, body: { metadata: { annotations: { [SIM_DOWN]: 'true' } } } }, merge());
    const now = new Date().toISOString();
    await this.core.patchNodeStatus(
      {
        name,
        body: {
          status: {
            conditions: [{
              type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'Rebooting',
              message: ready ? 'simulated kubelet is ready' : 'simulated reboot in progress', lastHeartbeatTime: now, lastTransitionTime: now,
            }],
          },
        },
      },
      merge(),
    );
    if (ready) await this.core.patchNode({ name, body: { metadata: { annotations: { [SIM_DOWN]: null } } } }, merge());
  }

  async setBootId(name: string, bootID: string): Promise<void> {
    await this.core.patchNodeStatus({ name, body: { status: { nodeInfo: { bootID } } } }, merge());
  }

  async addPod(p: PodSpec): Promise<string> {
    const namespace = p.namespace ?? 'default';
    const labels = { app: p.name, ...p.labels };
    const podSpec: k8s.V1PodSpec = {
      containers: [{ name: 'main', image: IMAGE }],
      terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? 1,
      volumes: p.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : undefined,
    };
    if (p.owner === 'none') {
      await this.core.createNamespacedPod({ namespace, body: { metadata: { name: p.name, labels }, spec: { ...podSpec, nodeName: p.node } } });
      await this.waitPodsRunning(namespace, `app=${p.name}`, 1);
      return p.name;
    }
    const template = { metadata: { labels }, spec: { ...podSpec, nodeSelector: { 'kubernetes.io/hostname': p.node } } };
    const meta = { name: p.name, labels };
    if (p.owner === 'ReplicaSet') {
      await this.apps.createNamespacedReplicaSet({ namespace, body: { metadata: meta, spec: { replicas: 1, selector: { matchLabels: labels }, template } } });
    } else {
      await this.apps.createNamespacedDaemonSet({ namespace, body: { metadata: meta, spec: { selector: { matchLabels: labels }, template } } });
    }
    const pods = await this.waitPodsRunning(namespace, `app=${p.name}`, 1);
    return pods[0];
  }

  async addDeployment(d: DeploymentSpec): Promise<void> {
    const namespace = d.namespace ?? 'default';
    const labels = { app: d.name, ...d.labels };
    await this.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: d.name, labels },
        spec: {
          replicas: d.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [{ name: 'main', image: d.image ?? IMAGE, imagePullPolicy: d.image ? 'Never' : undefined }],
              terminationGracePeriodSeconds: d.terminationGracePeriodSeconds ?? 1,
              nodeSelector: d.nodeSelector,
              ...(d.spreadOverNodes
                ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }] }
                : {}),
            },
          },
        },
      },
    });
    if (d.pdb) await this.addPdb({ namespace, name: d.name, selector: labels, ...d.pdb });
    await this.waitPodsRunning(namespace, `app=${d.name}`, d.replicas, d.readyTimeoutMs);
  }

  async addPdb(p: { namespace?: string; name: string; selector: Record<string, string>; minAvailable?: number | string; maxUnavailable?: number | string }): Promise<void> {
    const namespace = p.namespace ?? 'default';
    await this.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: p.name }, spec: { selector: { matchLabels: p.selector }, minAvailable: p.minAvailable, maxUnavailable: p.maxUnavailable } },
    });
  }

  /** Waits until `count` pods matching the selector run (Ready), and returns their names. */
  async waitPodsRunning(namespace: string, labelSelector: string, count: number, timeoutMs = 60_000): Promise<string[]> {
    let names: string[] = [];
    await waitFor(`${count} running pods ${labelSelector} in ${namespace}`, async () => {
      const list = await this.core.listNamespacedPod({ namespace, labelSelector });
      const running = list.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
      names = running.map((p) => p.metadata!.name!);
      return running.length >= count;
    }, timeoutMs);
    return names;
  }
}

export function isReady(n: k8s.V1Node): boolean {
  return !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** HTTP status of a client-node error (ApiException), or undefined. */
export function code(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? Number((e as { code: unknown }).code) : undefined;
}

// A realistic simulated cluster for the demo, benchmarks and chaos runs: nodes in zones and
// pools, Deployments of several sizes behind PodDisruptionBudgets, and a DaemonSet, so drains
// meet the same obstacles they meet in production.

import type { TestCluster } from './index.ts';

export interface ClusterShape {
  nodes: number;
  zones: string[];
  pools: string[];
  prefix?: string;
  /** Namespace of the workloads. */
  namespace?: string;
}

export interface SeededCluster {
  nodes: string[];
  namespace: string;
}

/** Creates the nodes, then the workloads, sized to the node count. */
export async function seedCluster(c: TestCluster, shape: ClusterShape): Promise<SeededCluster> {
  const namespace = shape.namespace ?? 'shop';
  const nodes = await c.addNodes(shape.nodes, { prefix: shape.prefix ?? 'node', zones: shape.zones, pools: shape.pools });
  await c.ensureNamespace(namespace);
  const n = shape.nodes;
  await Promise.all([
    // A stateless front end that tolerates one pod down at a time.
    c.addDeployment({ namespace, name: 'web', replicas: Math.max(2, Math.ceil(n / 2)), pdb: { maxUnavailable: 1 } }),
    // An API tier that must keep most of its pods.
    c.addDeployment({ namespace, name: 'api', replicas: Math.max(3, Math.ceil(n / 4)), pdb: { minAvailable: '75%' } }),
    // A small quorum service: at most one member may be down.
    c.addDeployment({ namespace, name: 'quorum', replicas: 3, pdb: { minAvailable: 2 } }),
    // Workers with no PDB at all.
    c.addDeployment({ namespace, name: 'worker', replicas: Math.max(2, Math.ceil(n / 3)) }),
  ]);
  // A per-node agent, as every real cluster has (log shipper, CNI...): drains leave it alone.
  const labels = { app: 'log-shipper' };
  await c.apps.createNamespacedDaemonSet({
    namespace,
    body: {
      metadata: { name: 'log-shipper', labels },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'ship', image: 'registry.invalid/log-shipper:1' }], terminationGracePeriodSeconds: 1 } } },
    },
  });
  await c.waitPodsRunning(namespace, 'app=log-shipper', n, 120_000);
  return { nodes, namespace };
}

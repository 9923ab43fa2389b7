// The people of the e2e tests, as real Kubernetes identities: ServiceAccounts with the RBAC the
// README documents, their tokens from the TokenRequest API, and a kubeconfig with one context per
// person (token auth, the cluster's CA), so VS Code talks to the API server and the hub as them.

import * as k8s from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NS = 'nodemend';

export interface Person {
  name: string;
  rules: k8s.V1PolicyRule[];
  /** Namespaced rules in the nodemend namespace. */
  nsRules?: k8s.V1PolicyRule[];
}

/** Operates reboots: reads and patches nodes, may block the whole cluster. */
export const OPERATOR: Person = {
  name: 'operator',
  rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] }],
  nsRules: [{ apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: ['nodemend-agent'], verbs: ['get', 'patch'] }],
};
/** Looks only: may list nodes (so the hub serves the stream) but not change them. */
export const VIEWER: Person = { name: 'viewer', rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }] };

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
}

export async function writeKubeconfig(admin: k8s.KubeConfig, dir: string, people: Person[]): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  await ensure(() => core.createNamespace({ body: { metadata: { name: NS } } }));
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('admin kubeconfig has no cluster');
  const users: { name: string; user: { token: string } }[] = [];
  for (const p of people) {
    await ensure(() => core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: p.name } } }));
    const subject = [{ kind: 'ServiceAccount', name: p.name, namespace: NS }];
    await ensure(() => rbac.createClusterRole({ body: { metadata: { name: `e2e-${p.name}` }, rules: p.rules } }));
    await ensure(() => rbac.createClusterRoleBinding({ body: { metadata: { name: `e2e-${p.name}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `e2e-${p.name}` }, subjects: subject } }));
    if (p.nsRules) {
      await ensure(() => rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: `e2e-${p.name}` }, rules: p.nsRules } }));
      await ensure(() => rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: `e2e-${p.name}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `e2e-${p.name}` }, subjects: subject } }));
    }
    const tr = await core.createNamespacedServiceAccountToken({ name: p.name, namespace: NS, body: { spec: { expirationSeconds: 7200, audiences: [] } } });
    if (!tr.status?.token) throw new Error(`no token for ${p.name}`);
    users.push({ name: p.name, user: { token: tr.status.token } });
  }
  const ca = cluster.caData ? { 'certificate-authority-data': cluster.caData } : { 'certificate-authority': cluster.caFile };
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server: cluster.server, ...ca } }],
    users,
    contexts: people.map((p) => ({ name: p.name, context: { cluster: 'e2e', user: p.name } })),
    'current-context': people[0].name,
  };
  const path = join(dir, 'kubeconfig.yaml');
  writeFileSync(path, k8s.dumpYaml(cfg), { mode: 0o600 });
  return path;
}

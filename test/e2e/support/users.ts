// The people of the e2e tests, as real Kubernetes identities: ServiceAccounts bound to the roles
// nodemend documents for people (deploy/base/people-rbac.yaml: nodemend-viewer, nodemend-requester),
// their tokens from the TokenRequest API, and a kubeconfig with one context per person (token
// auth, the cluster's CA), so VS Code talks to the API server and the hub as each of them.

import * as k8s from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyManifests } from '../../../extension/kube/deploy.ts';
import { planManifests } from '../../../extension/kube/manifests.ts';

const NS = 'nodemend';
const ROOT = new URL('../../../', import.meta.url).pathname;

export interface Person {
  name: string;
  /** ClusterRoles bound cluster-wide, and Roles of the same name bound in namespace nodemend. */
  clusterRoles: string[];
  roles: string[];
}

/** Installs nodemend (Deploy Backend does this in extension.test.ts). */
export const ADMIN: Person = { name: 'admin', clusterRoles: ['cluster-admin'], roles: [] };
/** May watch and request reboots: the documented viewer + requester roles. */
export const OPERATOR: Person = { name: 'operator', clusterRoles: ['nodemend-viewer', 'nodemend-requester'], roles: ['nodemend-viewer', 'nodemend-requester'] };
/** May watch only. */
export const VIEWER: Person = { name: 'viewer', clusterRoles: ['nodemend-viewer'], roles: ['nodemend-viewer'] };

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
}

/** Applies the documented people roles (when the test does not deploy the whole backend). */
export async function applyPeopleRoles(admin: k8s.KubeConfig): Promise<void> {
  const plan = planManifests(new Map([['people-rbac.yaml', readFileSync(join(ROOT, 'deploy/base/people-rbac.yaml'), 'utf8')]]));
  if (!plan.ok) throw new Error(plan.error);
  const r = await applyManifests(admin, 'admin', plan.objects, () => {});
  if (!r.ok) throw new Error(r.error);
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
    const subjects = [{ kind: 'ServiceAccount', name: p.name, namespace: NS }];
    for (const role of p.clusterRoles) {
      await ensure(() => rbac.createClusterRoleBinding({ body: { metadata: { name: `e2e-${p.name}-${role}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects } }));
    }
    for (const role of p.roles) {
      await ensure(() => rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: `e2e-${p.name}-${role}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role }, subjects } }));
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

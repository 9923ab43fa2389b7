import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planManifests } from './manifests.ts';

const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: nodemend}\n';
const ds = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: nodemend-agent}\n';
const rbac = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: nodemend}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: nodemend}\n';

const cases: { name: string; files: Record<string, string>; want?: string[]; error?: RegExp }[] = [
  { name: 'plain files, namespaces and RBAC first', files: { 'agent.yaml': ds, 'rbac.yaml': rbac, 'ns.yaml': ns }, want: ['Namespace/nodemend', 'ServiceAccount/nodemend', 'ClusterRole/nodemend', 'DaemonSet/nodemend-agent'] },
  {
    name: 'kustomization resources and namespace',
    files: { 'kustomization.yaml': 'resources: [ns.yaml, agent.yaml]\nnamespace: ops\n', 'ns.yaml': ns, 'agent.yaml': ds, 'unused.yaml': rbac },
    want: ['Namespace/nodemend', 'DaemonSet/nodemend-agent@ops'],
  },
  { name: 'unsupported kustomize feature is named', files: { 'kustomization.yaml': 'resources: [a.yaml]\nimages: []\n', 'a.yaml': ds }, error: /uses images, which Deploy Backend cannot apply; run kubectl apply -k deploy\// },
  { name: 'missing resource file', files: { 'kustomization.yaml': 'resources: [base/]\n' }, error: /lists base\/, which are not files/ },
  { name: 'document without a name', files: { 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\n' }, error: /deploy\/a.yaml, document 1: expected apiVersion, kind and metadata.name/ },
  { name: 'empty folder', files: { 'README.md': '#' }, error: /holds no manifests/ },
];
for (const c of cases) {
  test(`planManifests: ${c.name}`, () => {
    const p = planManifests(new Map(Object.entries(c.files)));
    if (c.error) {
      assert.equal(p.ok, false);
      if (!p.ok) assert.match(p.error, c.error);
      return;
    }
    assert.ok(p.ok, p.ok ? '' : p.error);
    if (p.ok) assert.deepEqual(p.objects.map((o) => `${o.kind}/${o.metadata.name}${o.metadata.namespace ? `@${o.metadata.namespace}` : ''}`), c.want);
  });
}

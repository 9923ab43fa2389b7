// Which objects "Deploy Backend" applies, in which order, from the files in deploy/. Pure.
// kustomization.yaml is honoured only for what a plain apply can do (a list of local resource
// files, an optional namespace); anything else (patches, generators, images) is refused by name
// rather than half-applied: use `kubectl apply -k deploy/` for those.

import * as k8s from '@kubernetes/client-node';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'commonLabels']);
/** Namespaces and cluster-wide definitions first, so the objects that live in them can be created. */
const ORDER = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ConfigMap', 'Secret', 'Service'];

export type Plan = { ok: true; objects: Manifest[] } | { ok: false; error: string };

export function planManifests(files: Map<string, string>): Plan {
  let names = [...files.keys()].filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f)).sort();
  let namespace: string | undefined;
  const kustom = files.get('kustomization.yaml') ?? files.get('kustomization.yml');
  if (kustom !== undefined) {
    let k: Record<string, unknown>;
    try {
      k = (k8s.loadYaml(kustom) ?? {}) as Record<string, unknown>;
    } catch (e) {
      return { ok: false, error: `deploy/kustomization.yaml: not YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
    }
    const extra = Object.keys(k).filter((key) => !SUPPORTED.has(key));
    if (extra.length) return { ok: false, error: `deploy/kustomization.yaml uses ${extra.join(', ')}, which Deploy Backend cannot apply; run kubectl apply -k deploy/ instead.` };
    const res = k.resources;
    if (!Array.isArray(res) || !res.every((r) => typeof r === 'string')) return { ok: false, error: 'deploy/kustomization.yaml: resources must be a list of file names' };
    const missing = res.filter((r) => !files.has(r));
    if (missing.length) return { ok: false, error: `deploy/kustomization.yaml lists ${missing.join(', ')}, which are not files in deploy/ (directories and remote bases are not supported here)` };
    names = res as string[];
    if (typeof k.namespace === 'string') namespace = k.namespace;
  }
  const objects: Manifest[] = [];
  for (const f of names) {
    let docs: unknown[];
    try {
      docs = k8s.loadAllYaml(files.get(f) ?? '');
    } catch (e) {
      return { ok: false, error: `deploy/${f}: not YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
    }
    for (const [i, d] of docs.entries()) {
      if (d === null || d === undefined) continue;
      const m = d as Partial<Manifest>;
      if (typeof m.apiVersion !== 'string' || typeof m.kind !== 'string' || typeof m.metadata?.name !== 'string') {
        return { ok: false, error: `deploy/${f}, document ${i + 1}: expected apiVersion, kind and metadata.name` };
      }
      const obj = m as Manifest;
      if (namespace && obj.kind !== 'Namespace' && !CLUSTER_SCOPED.has(obj.kind)) obj.metadata.namespace = namespace;
      objects.push(obj);
    }
  }
  if (objects.length === 0) return { ok: false, error: 'deploy/ holds no manifests to apply' };
  const rank = (o: Manifest) => {
    const i = ORDER.indexOf(o.kind);
    return i < 0 ? ORDER.length : i;
  };
  // Stable sort: within a rank, file order is kept.
  return { ok: true, objects: objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o) };
}

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

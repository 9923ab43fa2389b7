// Applies the planned manifests with server-side apply (field manager "nodemend-vscode"), one
// object at a time, reporting each; stops at the first failure so the cluster is never left with
// a DaemonSet whose RBAC failed silently.

import * as k8s from '@kubernetes/client-node';
import { describeKubeError } from './errors.ts';
import type { Manifest } from './manifests.ts';

export type ApplyResult = { ok: true; applied: string[] } | { ok: false; applied: string[]; error: string };

export const ref = (o: Manifest): string => `${o.kind}/${o.metadata.name}${o.metadata.namespace ? ` in ${o.metadata.namespace}` : ''}`;

export async function applyManifests(kc: k8s.KubeConfig, context: string, objects: Manifest[], onStep: (done: number, what: string) => void): Promise<ApplyResult> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const applied: string[] = [];
  for (const o of objects) {
    onStep(applied.length, ref(o));
    try {
      await api.patch(o as k8s.KubernetesObject, undefined, undefined, 'nodemend-vscode', true, k8s.PatchStrategy.ServerSideApply);
      applied.push(ref(o));
    } catch (e) {
      const resource = `${o.kind.toLowerCase()}s`;
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      return { ok: false, applied, error: describeKubeError(e, { what: `apply ${ref(o)}`, verb: 'patch', resource, group, namespace: o.metadata.namespace, name: o.metadata.name, context }) };
    }
  }
  return { ok: true, applied };
}

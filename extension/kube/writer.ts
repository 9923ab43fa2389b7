// Writes people's requests as JSON merge patches of annotations, with the user's own credentials:
// on a Node, or on the agent DaemonSet for the whole cluster. Merge patch touches only the keys
// named, so a concurrent write by the agent to its state annotation is never overwritten.

import * as k8s from '@kubernetes/client-node';
import { AGENT_DAEMONSET } from '../connection/settings.ts';
import { describeKubeError, type Attempt } from './errors.ts';
import type { AnnotationPatch } from './requests.ts';

export type WriteResult = { ok: true } | { ok: false; error: string; status?: number };

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class AnnotationWriter {
  private readonly core: k8s.CoreV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly context: string;
  private readonly namespace: string;

  constructor(kc: k8s.KubeConfig, context: string, namespace: string) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.context = context;
    this.namespace = namespace;
  }

  async node(name: string, patch: AnnotationPatch, what: string): Promise<WriteResult> {
    const a: Attempt = { what, verb: 'patch', resource: 'nodes', name, context: this.context };
    return this.run(a, () => this.core.patchNode({ name, body: patch }, MERGE));
  }

  async cluster(patch: AnnotationPatch, what: string): Promise<WriteResult> {
    const a: Attempt = { what, verb: 'patch', resource: 'daemonsets', group: 'apps', namespace: this.namespace, name: AGENT_DAEMONSET, context: this.context };
    return this.run(a, () => this.apps.patchNamespacedDaemonSet({ name: AGENT_DAEMONSET, namespace: this.namespace, body: patch }, MERGE));
  }

  private async run(a: Attempt, call: () => Promise<unknown>): Promise<WriteResult> {
    try {
      await call();
      return { ok: true };
    } catch (e) {
      const status = typeof (e as { code?: unknown }).code === 'number' ? ((e as { code: number }).code) : undefined;
      return { ok: false, error: describeKubeError(e, a), status };
    }
  }
}

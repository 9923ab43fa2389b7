// The pod-selector blocker (Kured's --blocking-pod-selector): a running pod on this node matching
// any of the selectors blocks the reboot (e.g. a long batch job). Listing fails = blocked.

import * as k8s from '@kubernetes/client-node';
import type { Blocker } from '../ports.ts';
import { apiMessage, withTimeout } from '../../shared/kube.ts';

export class PodSelectorBlocker implements Blocker {
  readonly name = 'pod-selector';
  private readonly core: k8s.CoreV1Api;
  private readonly node: string;
  private readonly selectors: string[];

  constructor(kc: k8s.KubeConfig, node: string, selectors: string[]) {
    if (selectors.some((s) => s.trim() === '')) throw new Error('blocking-pod-selector: an empty selector would match every pod; give e.g. app=batch');
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.node = node;
    this.selectors = selectors;
  }

  async check(): Promise<{ blocked: false } | { blocked: true; reason: string }> {
    const found: string[] = [];
    for (const sel of this.selectors) {
      try {
        const l = await withTimeout(
          this.core.listPodForAllNamespaces({ labelSelector: sel, fieldSelector: `spec.nodeName=${this.node},status.phase!=Succeeded,status.phase!=Failed`, limit: 5 }),
          15_000,
          'list blocking pods',
        );
        for (const p of l.items) found.push(`${p.metadata?.namespace}/${p.metadata?.name} (${sel})`);
      } catch (e) {
        return { blocked: true, reason: `cannot list pods for blocking selector ${sel}: ${apiMessage(e)}` };
      }
    }
    if (found.length === 0) return { blocked: false };
    return { blocked: true, reason: `blocking pods on the node: ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', ...' : ''}` };
  }
}

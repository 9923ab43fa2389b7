// Pure PodDisruptionBudget logic: which budgets select a pod, and which pods an eviction would be
// refused for right now (the pre-drain check that keeps us from cordoning into a deadlock).

import type * as k8s from '@kubernetes/client-node';
import type { PdbBlock } from '../ports.ts';
import { podKey, type PodInfo } from './filters.ts';

export interface PdbInfo {
  namespace: string;
  name: string;
  selector?: k8s.V1LabelSelector;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  /** False until the disruption controller has seen the current spec: then nothing is allowed. */
  observed: boolean;
  /** unhealthyPodEvictionPolicy: AlwaysAllow lets a not-Ready pod go regardless of the budget. */
  alwaysAllowUnhealthy: boolean;
}

export function pdbInfo(p: k8s.V1PodDisruptionBudget): PdbInfo {
  const gen = p.metadata?.generation ?? 0;
  const seen = p.status?.observedGeneration ?? 0;
  const info: PdbInfo = {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
    currentHealthy: p.status?.currentHealthy ?? 0,
    desiredHealthy: p.status?.desiredHealthy ?? 0,
    observed: p.status !== undefined && seen >= gen,
    alwaysAllowUnhealthy: p.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow',
  };
  if (p.spec?.selector) info.selector = p.spec.selector;
  return info;
}

/** Label selector semantics of policy/v1: a missing selector selects nothing, an empty one all. */
export function selects(sel: k8s.V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !vals.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // unknown operator: select nothing rather than guess
    }
  }
  return true;
}

export function matchingPdbs(pod: PodInfo, pdbs: PdbInfo[]): PdbInfo[] {
  return pdbs.filter((b) => b.namespace === pod.namespace && selects(b.selector, pod.labels));
}

export const pdbKey = (b: PdbInfo) => `${b.namespace}/${b.name}`;

/**
 * Pods whose eviction the API server would refuse now. Mirrors the eviction rules: a budget not
 * yet observed refuses; a not-Ready pod may go when the budget is healthy (IfHealthyBudget, the
 * default) or always (AlwaysAllow); a Ready pod needs disruptionsAllowed > 0.
 */
export function pdbBlocks(pods: PodInfo[], pdbs: PdbInfo[]): PdbBlock[] {
  const out: PdbBlock[] = [];
  for (const p of pods) {
    for (const b of matchingPdbs(p, pdbs)) {
      let reason: string | undefined;
      if (!b.observed) reason = `PodDisruptionBudget ${pdbKey(b)} is not yet evaluated by the disruption controller`;
      else if (!p.ready) {
        if (!b.alwaysAllowUnhealthy && b.currentHealthy < b.desiredHealthy) reason = `PodDisruptionBudget ${pdbKey(b)} is unhealthy (${b.currentHealthy} healthy, needs ${b.desiredHealthy})`;
      } else if (b.disruptionsAllowed <= 0) {
        reason = `PodDisruptionBudget ${pdbKey(b)} allows no disruption (${b.currentHealthy} healthy, needs ${b.desiredHealthy})`;
      }
      if (reason) {
        out.push({ pod: podKey(p), pdb: pdbKey(b), reason });
        break;
      }
    }
  }
  return out;
}

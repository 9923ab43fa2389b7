// Pure drain planning with kubectl drain's semantics: each pod on the node goes through the same
// filters in the same order (already deleting, DaemonSet, mirror, emptyDir, unmanaged), and the
// first filter that decides wins. No I/O; the adapter (drain.ts) reads pods and acts on the plan.

import type * as k8s from '@kubernetes/client-node';
import { timeMs } from '../../shared/kube.ts';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** The facts about a pod the filters need. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  /** Epoch ms when deletion started, if it did. */
  deletionMs?: number;
  controllerKind?: string;
  controllerName?: string;
  mirror: boolean;
  emptyDir: boolean;
  ready: boolean;
  labels: Record<string, string>;
}

export function podInfo(p: k8s.V1Pod): PodInfo {
  const md = p.metadata ?? {};
  const ctrl = md.ownerReferences?.find((o) => o.controller);
  const info: PodInfo = {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    uid: md.uid ?? '',
    phase: p.status?.phase ?? '',
    mirror: md.annotations?.[MIRROR_ANNOTATION] !== undefined,
    emptyDir: !!p.spec?.volumes?.some((v) => v.emptyDir),
    ready: !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    labels: { ...md.labels },
  };
  const del = timeMs(md.deletionTimestamp);
  if (del !== undefined) info.deletionMs = del;
  if (ctrl) {
    info.controllerKind = ctrl.kind;
    info.controllerName = ctrl.name;
  }
  return info;
}

export const podKey = (p: Pick<PodInfo, 'namespace' | 'name'>) => `${p.namespace}/${p.name}`;

export interface FilterOptions {
  deleteEmptyDirData: boolean;
  force: boolean;
  skipWaitForDeleteTimeoutSeconds: number;
}

export type PodAction =
  /** Evict, then wait until gone. */
  | { action: 'evict' }
  /** Already being deleted: no eviction, only wait until gone. */
  | { action: 'wait' }
  /** Left on the node, drain goes on (DaemonSet pods, mirror pods, long-deleting pods). */
  | { action: 'skip'; why: string }
  /** Blocks the whole drain until the configuration allows it. */
  | { action: 'refuse'; why: string };

const terminal = (p: PodInfo) => p.phase === 'Succeeded' || p.phase === 'Failed';

/**
 * kubectl's filters in order. `dsExists` says whether the pod's DaemonSet still exists (an
 * orphaned DaemonSet pod is deleted only with force, as kubectl does).
 */
export function classifyPod(p: PodInfo, o: FilterOptions, now: number, dsExists = true): PodAction {
  if (p.deletionMs !== undefined) {
    if (o.skipWaitForDeleteTimeoutSeconds > 0 && Math.floor((now - p.deletionMs) / 1000) > o.skipWaitForDeleteTimeoutSeconds) {
      return { action: 'skip', why: `deletion started more than ${o.skipWaitForDeleteTimeoutSeconds}s ago` };
    }
    return { action: 'wait' };
  }
  if (p.controllerKind === 'DaemonSet' && !terminal(p)) {
    if (dsExists) return { action: 'skip', why: 'DaemonSet-managed pod' };
    if (!o.force) return { action: 'refuse', why: `its DaemonSet ${p.controllerName} is gone (orphaned; needs force)` };
  }
  if (p.mirror) return { action: 'skip', why: 'mirror (static) pod' };
  if (p.emptyDir && !terminal(p) && !o.deleteEmptyDirData) {
    return { action: 'refuse', why: 'uses emptyDir local storage (needs deleteEmptyDirData)' };
  }
  if (!p.controllerKind && !terminal(p) && !o.force) {
    return { action: 'refuse', why: 'not managed by a controller (needs force)' };
  }
  return { action: 'evict' };
}

export interface DrainPlan {
  evict: PodInfo[];
  wait: PodInfo[];
  skipped: { pod: string; why: string }[];
  refused: { pod: string; why: string }[];
}

export function planDrain(pods: PodInfo[], o: FilterOptions, now: number, dsExists: (namespace: string, name: string) => boolean = () => true): DrainPlan {
  const plan: DrainPlan = { evict: [], wait: [], skipped: [], refused: [] };
  for (const p of pods) {
    const a = classifyPod(p, o, now, p.controllerKind === 'DaemonSet' ? dsExists(p.namespace, p.controllerName ?? '') : true);
    if (a.action === 'evict') plan.evict.push(p);
    else if (a.action === 'wait') plan.wait.push(p);
    else if (a.action === 'skip') plan.skipped.push({ pod: podKey(p), why: a.why });
    else plan.refused.push({ pod: podKey(p), why: a.why });
  }
  return plan;
}

/** One line naming every refused pod and what would allow it, like kubectl's error. */
export function refusalReason(refused: DrainPlan['refused']): string {
  const shown = refused.slice(0, 10).map((r) => `${r.pod} ${r.why}`);
  const more = refused.length > 10 ? `; and ${refused.length - 10} more` : '';
  return `cannot drain: ${shown.join('; ')}${more}`;
}

/**
 * What a drain would do now, in one line, for a dry run's Event and log: the pods it would evict
 * and wait for, and the ones it would skip or refuse (with why), and the budgets that would hold
 * an eviction back. At most `max` pods named per list.
 */
export function describePlan(plan: DrainPlan, blocks: readonly { pod: string; pdb: string }[], max = 10): string {
  const names = (xs: readonly string[]) => `${xs.slice(0, max).join(', ')}${xs.length > max ? `, and ${xs.length - max} more` : ''}`;
  const parts: string[] = [];
  parts.push(plan.evict.length ? `would evict ${plan.evict.length} pod(s): ${names(plan.evict.map(podKey))}` : 'would evict no pod');
  if (plan.wait.length) parts.push(`would wait for ${plan.wait.length} pod(s) already terminating: ${names(plan.wait.map(podKey))}`);
  if (plan.skipped.length) parts.push(`would leave ${plan.skipped.length}: ${names(plan.skipped.map((s) => `${s.pod} (${s.why})`))}`);
  if (plan.refused.length) parts.push(`the drain would FAIL on ${plan.refused.length}: ${names(plan.refused.map((r) => `${r.pod} (${r.why})`))}`);
  if (blocks.length) parts.push(`held back now by PodDisruptionBudget: ${names(blocks.map((b) => `${b.pod} by ${b.pdb}`))}`);
  return parts.join('; ');
}

// How a HeldLock is written into, and read back from, a Lease's annotations. The stage is kept
// there so an agent restarted mid-reboot resumes where it was; the hub reads stage and scope.

import type * as k8s from '@kubernetes/client-node';
import type { HeldLock } from '../ports.ts';
import { timeMs } from '../../shared/kube.ts';
import { LEASE_ANNOTATIONS as K } from '../../../protocol/leases.ts';
import type { SlotRecord } from './slots.ts';

const STAGES: readonly HeldLock['stage'][] = ['acquired', 'cordoned', 'drained', 'rebooting'];

export function metaAnnotations(lock: HeldLock): Record<string, string> {
  return {
    [K.stage]: lock.stage,
    [K.stageAt]: new Date(lock.stageAt).toISOString(),
    [K.acquiredAt]: new Date(lock.acquiredAt).toISOString(),
    [K.bootIdBefore]: lock.bootIdBefore,
    [K.wasUnschedulable]: String(lock.wasUnschedulable),
    [K.forced]: String(lock.forced),
  };
}

/**
 * The HeldLock recorded in a Lease. Unreadable fields fall to the safe side: an unknown stage is
 * 'rebooting' (the agent then verifies and uncordons instead of starting over), an unknown
 * wasUnschedulable is true (never uncordon a node that may have been cordoned by a person).
 */
export function heldFromAnnotations(ann: Record<string, string>, leases: string[], fallbackAcquired: number): HeldLock {
  const stage = (STAGES as readonly string[]).includes(ann[K.stage] ?? '') ? (ann[K.stage] as HeldLock['stage']) : 'rebooting';
  const acquiredAt = timeMs(ann[K.acquiredAt]) ?? fallbackAcquired;
  return {
    leases,
    acquiredAt,
    stage,
    stageAt: timeMs(ann[K.stageAt]) ?? acquiredAt,
    bootIdBefore: ann[K.bootIdBefore] ?? '',
    wasUnschedulable: ann[K.wasUnschedulable] !== 'false',
    forced: ann[K.forced] === 'true',
  };
}

/** A slot Lease as read, for Observations: what changes with each write and with each stage. */
export function slotRecord(l: k8s.V1Lease): SlotRecord {
  const ann = l.metadata?.annotations ?? {};
  const s: SlotRecord = { name: l.metadata?.name ?? '', version: l.metadata?.resourceVersion ?? JSON.stringify([l.spec, ann]) };
  if (l.spec?.holderIdentity) s.holder = l.spec.holderIdentity;
  if (ann[K.stage]) s.stage = ann[K.stage];
  if (ann[K.stageAt]) s.stageAt = ann[K.stageAt];
  return s;
}

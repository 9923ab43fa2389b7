// Timelines for the table-driven tests of the pure invariant checker: a node or Lease as the API
// server would show it, built from a few fields, and the default policy of those tests.

import type * as k8s from '@kubernetes/client-node';
import type { Policy } from './invariants.ts';

export interface N {
  name: string;
  zone?: string;
  cordon?: 'us' | 'person';
  phase?: string;
  forced?: boolean;
  need?: boolean;
  boot?: string;
  ready?: boolean;
  block?: string;
}

export function node(n: N): k8s.V1Node {
  const ann: Record<string, string> = {};
  if (n.cordon === 'us') ann['nodemend.dev/cordoned-by'] = 'nodemend-agent';
  if (n.phase) ann['nodemend.dev/state'] = JSON.stringify({ v: 1, phase: n.phase, reason: 'r', since: '2026-01-01T00:00:00Z', rebootRequired: n.need ?? false, forced: n.forced, agent: 'a' });
  if (n.block) ann['nodemend.dev/block'] = n.block;
  return {
    metadata: { name: n.name, labels: n.zone ? { zone: n.zone } : {}, annotations: ann },
    spec: { unschedulable: n.cordon !== undefined },
    status: { conditions: [{ type: 'Ready', status: n.ready === false ? 'False' : 'True' }], nodeInfo: { bootID: n.boot ?? 'b1' } as k8s.V1NodeSystemInfo },
  };
}
export const lease = (name: string, holder?: string): k8s.V1Lease => ({ metadata: { name }, spec: { holderIdentity: holder, acquireTime: new Date(0) as unknown as k8s.V1MicroTime } });

export type Step = { t: number; node?: N; lease?: [string, string | undefined]; allowUncordon?: string; finish?: boolean };
export const policy = (o: Partial<Policy> = {}): Policy => ({
  concurrency: 2, scope: { label: 'zone', limit: 1 }, inWindow: (_n, t) => t < 1_000_000, lagMs: 2000,
  leftCordonedMs: 30_000, maxHoldMs: 600_000, blockGraceMs: 5000, lostAfterMs: 1_800_000, ...o,
});


export interface Case {
  name: string;
  policy?: Partial<Policy>;
  steps: Step[];
  want: number[];
}

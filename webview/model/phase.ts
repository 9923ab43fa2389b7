// How the dashboard reads a node's phase. One place, so the header counts, the grid colours and
// the filter always agree.

import { PHASES, type Phase } from '../../protocol/model.ts';
import type { NodeView } from '../../protocol/messages.ts';

/** A node without a published agent state is "unknown": we never guess it healthy. */
export function phaseOf(n: NodeView): Phase {
  return n.state?.phase ?? 'unknown';
}

export const PHASE_LABEL: Record<Phase, string> = {
  rebooting: 'Rebooting',
  verifying: 'Verifying',
  draining: 'Draining',
  failed: 'Failed',
  'waiting-lock': 'Waiting for lock',
  'waiting-window': 'Waiting for window',
  blocked: 'Blocked',
  scheduled: 'Scheduled',
  'reboot-required': 'Reboot required',
  healthy: 'Healthy',
  unknown: 'Unknown',
};

const RANK = new Map<Phase, number>(PHASES.map((p, i) => [p, i]));

/** Sort key: the phases a person must look at first come first (PHASES is ordered that way). */
export function phaseRank(p: Phase): number {
  return RANK.get(p) ?? PHASES.length;
}

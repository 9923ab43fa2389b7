// What holds a node, as the tree shows it: one icon, a short label and the remedy per kind of hold,
// from the kinds the agent publishes (AgentNodeState.blockedBy, with the refusing budgets in
// pdbs). A table, not a switch: the agent's kinds (protocol/model.ts BLOCK_KINDS) each have a row,
// and the type makes a new kind without a row a compile error. Pure.

import type { BlockKind } from '../../protocol/model.ts';
import type { NodeView } from '../../protocol/messages.ts';

export interface HoldVM {
  kind: BlockKind;
  icon: string;
  color: string;
  /** Short, for the row's description: "held by PDB shop/api". */
  label: string;
  /** What a person can do about it, one or two sentences. */
  remedy: string;
}

type Row = Omit<HoldVM, 'kind' | 'label'> & { label: (pdbs: string[]) => string };

const list = (xs: string[], max = 2) => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);

const HOLD: Record<BlockKind, Row> = {
  manual: {
    icon: 'circle-slash',
    color: 'charts.red',
    label: () => 'blocked by a person',
    remedy: 'A person blocked reboots of this node (annotation nodemend.dev/block). Unblock Reboots removes the block; a block with an end time lapses by itself.',
  },
  'cluster-manual': {
    icon: 'circle-slash',
    color: 'charts.red',
    label: () => 'blocked cluster-wide',
    remedy: 'Reboots are blocked for the whole cluster (annotation nodemend.dev/block on DaemonSet nodemend/nodemend-agent). No node reboots until that block is removed or lapses.',
  },
  pdb: {
    icon: 'shield',
    color: 'charts.red',
    label: (pdbs) => (pdbs.length ? `held by PDB ${list(pdbs)}` : 'held by a PodDisruptionBudget'),
    remedy: 'The budget allows no eviction now, so the drain would fail and the agent takes no lock. Scale the workload up, wait for its pods to be Ready, or relax minAvailable / maxUnavailable; the agent checks again every --period.',
  },
  alerts: {
    icon: 'bell',
    color: 'charts.red',
    label: () => 'blocked by firing alerts',
    remedy: 'Prometheus alerts fire (--prometheus-url, narrowed by --alert-filter-regexp). The node goes on once they stop; a forced reboot skips this blocker.',
  },
  pods: {
    icon: 'package',
    color: 'charts.red',
    label: () => 'blocked by pods on the node',
    remedy: 'A pod matching --blocking-pod-selector runs on this node. The node goes on once it is gone; a forced reboot skips this blocker.',
  },
  window: {
    icon: 'watch',
    color: 'charts.yellow',
    label: () => 'outside the reboot window',
    remedy: 'The reboot waits for the next window (--reboot-days, --start-time, --end-time, --time-zone). Force Reboot skips the window.',
  },
  'sentinel-unknown': {
    icon: 'question',
    color: 'charts.yellow',
    label: () => 'cannot read the reboot sentinel',
    remedy: "The agent cannot tell whether a reboot is needed: --reboot-sentinel or --reboot-sentinel-command failed, or a node condition was not cleared by its reboot (remove the annotation nodemend.dev/condition-failed once fixed). The reason above says which.",
  },
  'condition-storm': {
    icon: 'pulse',
    color: 'charts.orange',
    label: () => 'held by condition storm protection',
    remedy: 'This reboot is for a node condition (--reboot-on-condition), and too many nodes show one at once (--condition-max-share) or enough condition reboots ran this hour (--condition-reboots-per-hour); the reason above says which and when it lifts. Force Reboot reboots this node anyway.',
  },
  other: {
    icon: 'circle-slash',
    color: 'charts.red',
    label: () => 'held',
    remedy: 'The reason above says what holds it; the agent retries every --period.',
  },
};

/**
 * What holds the node, most binding first (the agent publishes the kinds in its own order; a
 * person's block outranks the automatic ones, as in the agent). Empty when nothing holds it or the
 * agent is too old to publish kinds.
 */
export function holdsOf(n: NodeView): HoldVM[] {
  const kinds = n.state?.blockedBy ?? [];
  const pdbs = n.state?.pdbs ?? [];
  const rank = (k: BlockKind) => (k === 'cluster-manual' ? 0 : k === 'manual' ? 1 : 2);
  return [...new Set(kinds)]
    .filter((k): k is BlockKind => k in HOLD)
    .sort((a, b) => rank(a) - rank(b))
    .map((kind) => {
      const r = HOLD[kind];
      return { kind, icon: r.icon, color: r.color, label: r.label(pdbs), remedy: r.remedy };
    });
}

// The tree's top level: one group per stage of the reboot lifecycle, in the order a person scans
// them (what is moving now first, then what waits, then the quiet majority). A table, not a switch:
// adding a phase means adding a row. Codicons and theme colour ids, so the tree follows the theme.

import type { Phase } from '../../protocol/model.ts';

export interface GroupDef {
  key: string;
  label: string;
  phases: readonly Phase[];
  icon: string;
  color: string;
  /** Whether the group starts expanded; the big quiet groups start collapsed (2000 healthy rows). */
  expanded: boolean;
}

export const GROUPS: readonly GroupDef[] = [
  { key: 'rebooting', label: 'Rebooting', phases: ['rebooting', 'verifying'], icon: 'sync', color: 'charts.blue', expanded: true },
  { key: 'draining', label: 'Draining', phases: ['draining'], icon: 'arrow-circle-down', color: 'charts.orange', expanded: true },
  { key: 'failed', label: 'Failed', phases: ['failed'], icon: 'error', color: 'errorForeground', expanded: true },
  { key: 'waiting', label: 'Waiting', phases: ['waiting-lock', 'waiting-window'], icon: 'clock', color: 'charts.yellow', expanded: true },
  { key: 'reboot-required', label: 'Reboot required', phases: ['reboot-required'], icon: 'warning', color: 'charts.yellow', expanded: true },
  { key: 'scheduled', label: 'Scheduled', phases: ['scheduled'], icon: 'calendar', color: 'charts.purple', expanded: true },
  { key: 'blocked', label: 'Blocked', phases: ['blocked'], icon: 'circle-slash', color: 'charts.red', expanded: true },
  { key: 'healthy', label: 'Healthy', phases: ['healthy'], icon: 'pass', color: 'charts.green', expanded: false },
  { key: 'unknown', label: 'No agent report', phases: ['unknown'], icon: 'question', color: 'disabledForeground', expanded: false },
];

/** Per-phase icon of a node row; `~spin` makes the codicon rotate while the node reboots. */
export const PHASE_ICON: Record<Phase, { icon: string; color: string; label: string }> = {
  rebooting: { icon: 'sync~spin', color: 'charts.blue', label: 'rebooting' },
  verifying: { icon: 'sync~spin', color: 'charts.blue', label: 'verifying after reboot' },
  draining: { icon: 'arrow-circle-down', color: 'charts.orange', label: 'draining' },
  failed: { icon: 'error', color: 'errorForeground', label: 'failed' },
  'waiting-lock': { icon: 'clock', color: 'charts.yellow', label: 'waiting for lock' },
  'waiting-window': { icon: 'watch', color: 'charts.yellow', label: 'waiting for window' },
  blocked: { icon: 'circle-slash', color: 'charts.red', label: 'blocked' },
  scheduled: { icon: 'calendar', color: 'charts.purple', label: 'scheduled' },
  'reboot-required': { icon: 'warning', color: 'charts.yellow', label: 'reboot required' },
  healthy: { icon: 'pass', color: 'charts.green', label: 'healthy' },
  unknown: { icon: 'question', color: 'disabledForeground', label: 'no agent report' },
};

const BY_PHASE = new Map<Phase, GroupDef>(GROUPS.flatMap((g) => g.phases.map((p) => [p, g] as const)));

export function groupOf(phase: Phase): GroupDef {
  return BY_PHASE.get(phase) ?? GROUPS[GROUPS.length - 1];
}

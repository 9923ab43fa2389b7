// Held nodes in words, the same in the hub's forecast basis and in the dashboard:
// "3 nodes held (2 by PDB shop/api, 1 by a person)".

import type { HeldGroup } from './messages.ts';

const BY: Record<HeldGroup['by'], string> = {
  manual: 'by a person',
  'cluster-manual': 'by the cluster-wide block',
  pdb: 'by a PDB',
  alerts: 'by firing alerts',
  pods: 'by blocking pods',
  window: 'by the reboot window',
  'sentinel-unknown': 'by an unreadable reboot sentinel',
  'condition-storm': 'by storm protection for node conditions',
  other: 'by another blocker',
  unknown: 'for a reason the agent does not publish (an older agent)',
};

export function heldCount(groups: readonly HeldGroup[] | undefined): number {
  return (groups ?? []).reduce((k, g) => k + g.count, 0);
}

/** "3 nodes held (2 by PDB shop/api, 1 by a person)"; "" when none is held. */
export function heldText(groups: readonly HeldGroup[] | undefined): string {
  const total = heldCount(groups);
  if (total === 0) return '';
  const parts = groups!.filter((g) => g.count > 0).map((g) => `${g.count} ${g.by === 'pdb' && g.pdb ? `by PDB ${g.pdb}` : BY[g.by] ?? BY.unknown}`);
  return `${total} node${total === 1 ? '' : 's'} held (${parts.join(', ')})`;
}

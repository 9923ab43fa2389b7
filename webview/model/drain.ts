// One line about a draining node: how far along, and what holds it up.

import type { NodeView } from '../../protocol/messages.ts';

export interface DrainInfo {
  /** 0..1 share of pods already gone. */
  done: number;
  text: string;
  /** PodDisruptionBudgets refusing evictions, each once. */
  pdbs: string[];
}

export function drainInfo(n: NodeView): DrainInfo | undefined {
  const d = n.state?.drain;
  if (!d) return undefined;
  const total = Math.max(0, d.total);
  const left = Math.min(Math.max(0, d.left), total);
  const pdbs = [...new Set(d.blocked.map((b) => b.pdb).filter((p): p is string => !!p))].sort();
  const otherBlocked = d.blocked.filter((b) => !b.pdb).length;
  let text = total === 0 ? 'no pods to evict' : `${left} of ${total} pods left`;
  if (pdbs.length) text += ` · blocked by PDB ${pdbs.join(', ')}`;
  if (otherBlocked) text += ` · ${otherBlocked} pod${otherBlocked > 1 ? 's' : ''} refused`;
  return { done: total === 0 ? 1 : (total - left) / total, text, pdbs };
}

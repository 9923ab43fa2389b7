// The status bar's one-glance summary: the moving parts first, at most three of them, so it
// stays short ("2 rebooting, 5 waiting"). Pure.

import type { ClusterSnapshot } from '../../protocol/messages.ts';
import { GROUPS, groupOf } from '../tree/groups.ts';

const WORD: Record<string, string> = {
  rebooting: 'rebooting',
  draining: 'draining',
  failed: 'failed',
  waiting: 'waiting',
  'reboot-required': 'need reboot',
  scheduled: 'scheduled',
  blocked: 'blocked',
};

export interface Summary {
  text: string;
  /** Nodes per group key. */
  counts: Record<string, number>;
  /** True when something needs attention (failed, or a drain blocked by a PDB). */
  attention: boolean;
}

export function summarize(s: ClusterSnapshot | undefined, maxParts = 3): Summary {
  const counts: Record<string, number> = {};
  let attention = false;
  for (const n of s?.nodes ?? []) {
    const k = groupOf(n.state?.phase ?? 'unknown').key;
    counts[k] = (counts[k] ?? 0) + 1;
    if (n.state?.phase === 'failed' || (n.state?.drain?.blocked.length ?? 0) > 0) attention = true;
  }
  if (!s) return { text: '', counts, attention };
  const parts = GROUPS.filter((g) => WORD[g.key] && counts[g.key]).map((g) => `${counts[g.key]} ${WORD[g.key]}`);
  let text = parts.slice(0, maxParts).join(', ');
  if (parts.length > maxParts) text += ', …';
  if (!text) text = s.nodes.length === 0 ? 'no nodes' : `${s.nodes.length} healthy`;
  if (s.clusterBlock) text = `cluster blocked · ${text}`;
  return { text, counts, attention };
}

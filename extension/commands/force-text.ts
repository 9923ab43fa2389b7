// What a forced reboot does and does not override (the confirmation; extension/README.md and the
// dashboard's hint in webview/model/actions.ts say the same in short), and what will hold it for the chosen nodes right now, read
// from the cluster as the hub streams it. Pure.
//
// The agent's rules (backend/agent/core/decide.ts and holding.ts):
// - the force-reboot request makes a reboot required, and skips the reboot window and the
//   automatic blockers (alerts, pod selectors);
// - a manual block (the node's, or the cluster-wide one on the agent DaemonSet) wins over it, and
//   a block set before the reboot starts cancels it;
// - it still waits for a lock slot, and after a failed attempt for the back-off (--period);
// - it still cordons and drains through the eviction API, which respects PodDisruptionBudgets:
//   the drain precheck takes no lock while a budget allows no eviction, and a failed drain fails
//   the attempt (uncordon, release). Only the agent flag --force-reboot skips the precheck and
//   reboots after a failed drain; the request alone never does.

import { blockActive } from '../../protocol/annotations.ts';
import type { ClusterSnapshot, NodeView } from '../../protocol/messages.ts';

export const FORCE_SEMANTICS =
  'A forced reboot skips the reboot window and the automatic blockers (alerts, pod selectors). It does not skip a manual block: ' +
  'a block on the node or on the whole cluster holds it until the block is removed or lapses. It still waits for a free lock slot, ' +
  'then cordons and drains the node; evictions respect PodDisruptionBudgets: with the drain precheck (on by default) a budget ' +
  'that allows no eviction holds it before any lock is taken, and a failed drain ends the attempt with the node uncordoned, ' +
  'retried after the back-off. Only an agent started with --force-reboot reboots after a failed drain. After the reboot the ' +
  'node is uncordoned once it is Ready.';

const until = (b: { until?: string }) => (b.until ? `, until ${b.until}` : '');
const active = (b: { until?: string } | undefined, now: number) => b !== undefined && blockActive({ reason: '', ...(b.until ? { until: Date.parse(b.until) } : {}) }, now);

// Reasons the agent publishes (backend/agent/core/decide.ts, holding.ts).
const PRECHECK_REFUSED = /^drain would be refused/;
const DRAIN_FAILED = /drain failed/;

/** What will hold a forced reboot of these nodes now, one sentence each; empty when nothing does. */
export function forceHolds(names: string[], snap: ClusterSnapshot | undefined, now: number): string[] {
  if (!snap) return [];
  const out: string[] = [];
  const cb = snap.clusterBlock;
  if (cb && active(cb, now)) out.push(`Reboots are blocked cluster-wide ("${cb.reason}"${until(cb)}): no node reboots, forced or not, until that block is removed or lapses.`);
  const byName = new Map<string, NodeView>(snap.nodes.map((n) => [n.name, n]));
  const perNode: string[] = [];
  for (const name of names) {
    const n = byName.get(name);
    if (!n) continue;
    const b = n.requests.block;
    const st = n.state;
    if (b && active(b, now)) perNode.push(`${name} is blocked ("${b.reason}"${until(b)}): its forced reboot waits until the block is removed or lapses.`);
    else if (st?.phase === 'blocked' && PRECHECK_REFUSED.test(st.reason)) perNode.push(`${name}: ${st.reason}. The forced reboot waits for that too (the agent takes no lock while a PodDisruptionBudget allows no eviction).`);
    else if (st?.phase === 'failed' && DRAIN_FAILED.test(st.reason)) perNode.push(`${name}: ${st.reason}. A forced reboot drains again and fails the same way while the budget allows no eviction, unless the agent runs with --force-reboot.`);
  }
  const shown = perNode.slice(0, 5);
  if (perNode.length > shown.length) shown.push(`…and ${perNode.length - shown.length} more held node${perNode.length - shown.length === 1 ? '' : 's'}.`);
  return [...out, ...shown];
}

/** The confirmation's detail: what holds it now (if anything), then what force means. */
export function forceDetail(names: string[], snap: ClusterSnapshot | undefined, now: number): string {
  const holds = forceHolds(names, snap, now);
  return holds.length ? `Held now:\n${holds.map((h) => `• ${h}`).join('\n')}\n\n${FORCE_SEMANTICS}` : FORCE_SEMANTICS;
}

// Which actions apply to a node, and whether the user may take them: the one rule behind the tree's
// context menus, the command palette's node pickers and the dashboard's buttons. Pure.
// Hiding is a courtesy; the API server's RBAC still decides (a 403 becomes a clear message).

import { DISRUPTED_PHASES } from '../../protocol/model.ts';
import type { NodeView } from '../../protocol/messages.ts';
import { ITEM, type Action } from './ids.ts';

/** What the SelfSubjectAccessReviews said the user may do (see kube/access.ts). */
export interface Permissions {
  patchNodes: boolean;
  /** patch on the agent DaemonSet: the cluster-wide block lives in its annotations. */
  patchClusterBlock: boolean;
}

export const NO_PERMISSIONS: Permissions = { patchNodes: false, patchClusterBlock: false };

export function disrupted(n: NodeView): boolean {
  return n.state !== undefined && DISRUPTED_PHASES.includes(n.state.phase);
}

export function nodeActions(n: NodeView, perms: Permissions, readOnly: boolean): Action[] {
  const out: Action[] = ['history'];
  if (readOnly || !perms.patchNodes) return out;
  const busy = disrupted(n);
  // A reboot under way is not rescheduled or forced again; it finishes or fails on its own.
  if (!busy) out.push('schedule');
  if (!busy && n.requests.forceReboot === undefined) out.push('force');
  if (n.requests.block) out.push('unblock');
  else out.push('block');
  if (n.requests.rebootAfter !== undefined || n.requests.forceReboot !== undefined) out.push('cancel');
  return out;
}

export function applies(n: NodeView, a: Action, perms: Permissions, readOnly: boolean): boolean {
  return nodeActions(n, perms, readOnly).includes(a);
}

export function nodeContextValue(actions: Action[]): string {
  return [ITEM.node, ...actions.map((a) => `can:${a}`)].join(' ');
}

/** Why an action is not offered for a node, for the message when a command gets such a node. */
export function whyNot(n: NodeView, a: Action, perms: Permissions, readOnly: boolean): string | undefined {
  if (applies(n, a, perms, readOnly)) return undefined;
  if (readOnly) return 'nodemend is in read-only mode (setting nodemend.readOnly)';
  if (!perms.patchNodes) return 'your credentials may not patch nodes';
  if (disrupted(n) && (a === 'schedule' || a === 'force')) return `${n.name} is already ${n.state?.phase}`;
  if (a === 'force') return `${n.name} already has a force request`;
  if (a === 'unblock') return `${n.name} has no block`;
  if (a === 'block') return `${n.name} is already blocked`;
  if (a === 'cancel') return `${n.name} has no pending reboot request`;
  return `not applicable to ${n.name}`;
}

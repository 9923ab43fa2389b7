// Which node actions make sense right now, and why a disabled one is disabled. The host decides
// nothing from this (the commands re-check everything against the cluster); it keeps people from
// clicking what cannot work and tells them why.

import type { NodeAction } from '../../protocol/webview.ts';
import type { NodeView } from '../../protocol/messages.ts';
import { DISRUPTED_PHASES } from '../../protocol/model.ts';
import { phaseOf } from './phase.ts';

export interface ActionItem {
  action: NodeAction;
  label: string;
  enabled: boolean;
  /** Why it is disabled; or, for enabled destructive actions, a warning. */
  hint?: string;
  danger?: boolean;
}

export function nodeActions(n: NodeView): ActionItem[] {
  const p = phaseOf(n);
  const disrupted = DISRUPTED_PHASES.includes(p);
  const hasRequest = n.requests.rebootAfter !== undefined || n.requests.forceReboot !== undefined;
  const blocked = n.requests.block !== undefined;
  return [
    {
      action: 'scheduleReboot',
      label: 'Schedule reboot',
      enabled: !disrupted,
      ...(disrupted ? { hint: 'already rebooting' } : {}),
    },
    {
      action: 'forceReboot',
      label: 'Force reboot',
      enabled: !disrupted,
      danger: true,
      hint: disrupted ? 'already rebooting' : 'skips the window and alerts, not blocks; still waits for a lock slot and drains (evictions respect PDBs)',
    },
    blocked
      ? { action: 'unblockNode', label: 'Unblock', enabled: true, hint: `blocked: ${n.requests.block?.reason ?? ''}` }
      : { action: 'blockNode', label: 'Block', enabled: true },
    {
      action: 'cancelRequest',
      label: 'Cancel request',
      enabled: hasRequest,
      ...(hasRequest ? {} : { hint: 'no reboot request on this node' }),
    },
    { action: 'showHistory', label: 'History', enabled: true },
  ];
}

// What asks for a pending reboot, in words, the same in the tree, the dashboard and wherever else
// a person reads it: "a node condition: KernelDeadlock=True since 2026-12-06T20:00:00Z".

import type { AgentNodeState, TriggerKind } from './model.ts';

const WORDS: Record<TriggerKind, string> = {
  sentinel: 'the reboot sentinel',
  command: 'the sentinel command',
  condition: 'a node condition',
  request: "a person's request",
};

/** The trigger of a required reboot; undefined when none is required or the agent publishes none (older agents). */
export function triggerText(st: AgentNodeState | undefined): string | undefined {
  const t = st?.rebootRequired ? st.trigger : undefined;
  if (!t || !(t.kind in WORDS)) return undefined;
  const detail = t.detail?.replace(/^node condition /, '');
  return detail ? `${WORDS[t.kind]}: ${detail}` : WORDS[t.kind];
}

// The Markdown of "Show Node History": the node's state now and its last reboots as a table.
// Pure; opened read-only in an editor by history.ts.

import type { NodeView } from '../../protocol/messages.ts';
import { duration, type TimeFormat } from '../tree/present.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function historyMarkdown(n: NodeView, fmt: TimeFormat): string {
  const st = n.state;
  const out = [`# Reboot history of ${n.name}`, ''];
  out.push(st ? `Now: **${st.phase}** since ${fmt(st.since)} — ${cell(st.reason)}` : 'Now: no agent has reported for this node.', '');
  if (n.history.length === 0) {
    out.push('No reboots recorded yet.');
    return out.join('\n') + '\n';
  }
  out.push('| started | ended | outcome | took | drain | reboot | verify | forced | reason |', '|---|---|---|---|---|---|---|---|---|');
  const ms = (v: number | undefined) => (v === undefined ? '' : duration(v));
  for (const h of n.history) {
    const took = Date.parse(h.end) - Date.parse(h.start);
    out.push(
      `| ${fmt(h.start)} | ${fmt(h.end)} | ${h.outcome} | ${Number.isFinite(took) && took >= 0 ? duration(took) : ''} | ${ms(h.drainMs)} | ${ms(h.rebootMs)} | ${ms(h.verifyMs)} | ${h.forced ? 'yes' : ''} | ${cell(h.reason ?? '')} |`,
    );
  }
  return out.join('\n') + '\n';
}

// How one node reads in the tree: the one-line description, the Markdown tooltip (why it waits,
// its lock, its last reboots, the pods left to drain and what blocks them) and the detail rows.
// Pure: times go through the injected formatter, so output is stable for tests and for diffing
// (nothing here depends on the current time, or every row would change every second).

import type { NodeView } from '../../protocol/messages.ts';
import type { RebootRecord } from '../../protocol/model.ts';
import { code, md } from '../text/markdown.ts';
import { PHASE_ICON } from './groups.ts';
import { holdsOf } from './holds.ts';
import { triggerText as protocolTriggerText } from '../../protocol/trigger.ts';

/** Formats an RFC3339 time for display (local, short). */
export type TimeFormat = (iso: string) => string;

export interface DetailVM {
  key: string;
  label: string;
  description: string;
  icon: string;
  color?: string;
}

const short = (s: string, max = 60): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function description(n: NodeView, fmt: TimeFormat): string {
  const st = n.state;
  const phase = st?.phase ?? 'unknown';
  const parts: string[] = [];
  if (!n.ready && phase !== 'rebooting' && phase !== 'verifying') parts.push('NotReady');
  switch (phase) {
    case 'draining': {
      const d = st?.drain;
      parts.push(d ? `draining · ${d.left}/${d.total} pods left` : 'draining');
      if (d && d.blocked.length) parts.push(`${d.blocked.length} blocked by PDB`);
      break;
    }
    case 'waiting-lock':
      parts.push(n.queuePosition ? `waiting for lock · #${n.queuePosition}` : 'waiting for lock');
      break;
    case 'waiting-window':
      parts.push(st?.nextWindow ? `waiting for window · opens ${fmt(st.nextWindow)}` : 'waiting for window');
      break;
    case 'scheduled':
      parts.push(n.requests.rebootAfter ? `scheduled · after ${fmt(n.requests.rebootAfter)}` : 'scheduled');
      break;
    case 'blocked': {
      // The kind of hold says what to look at; the reason keeps the detail (unless it is a budget,
      // whose names the label already carries).
      const h = holdsOf(n)[0];
      // A person's block: the agent's reason starts with who blocked ("a person blocked reboots of
      // this node: <reason>"), which the label already says; the person's own words follow.
      const reason = st?.reason ?? '';
      const detail = h?.kind === 'manual' || h?.kind === 'cluster-manual' ? reason.replace(/^[^:]*: /, '') : reason.replace(/^blocked: /, '');
      if (h) parts.push(h.kind === 'pdb' ? h.label : `${h.label} · ${short(detail)}`);
      else parts.push(`${phase} · ${short(st?.reason ?? '')}`);
      break;
    }
    case 'failed':
      parts.push(`${phase} · ${short(st?.reason ?? '')}`);
      break;
    case 'healthy': {
      parts.push('healthy');
      // When it last rebooted is what a person checks on a healthy node after a rollout.
      const last = n.history[0];
      if (last) parts.push(last.outcome === 'succeeded' ? `rebooted ${fmt(last.end)}` : `last reboot ${last.outcome} ${fmt(last.end)}`);
      break;
    }
    default:
      parts.push(PHASE_ICON[phase].label);
  }
  if (st?.forced) parts.push('forced');
  // Requests the agent has not acted on yet: say so, or a person wonders whether the click worked.
  const r = n.requests;
  const moving = phase === 'draining' || phase === 'rebooting' || phase === 'verifying';
  if (r.forceReboot && !st?.forced && !moving) parts.push('force requested');
  if (r.rebootAfter && phase !== 'scheduled' && !moving && !r.forceReboot) parts.push(`reboot after ${fmt(r.rebootAfter)}`);
  if (r.block && phase !== 'blocked') parts.push(`block: ${short(r.block.reason, 40)}`);
  if (n.unschedulable && !n.cordonedByUs) parts.push('cordoned by someone else');
  return parts.join(' · ');
}

function rebootLine(r: RebootRecord, fmt: TimeFormat): string {
  const took = Date.parse(r.end) - Date.parse(r.start);
  const dur = Number.isFinite(took) && took >= 0 ? ` in ${duration(took)}` : '';
  return `${fmt(r.start)}: ${r.outcome}${dur}${r.forced ? ' (forced)' : ''}${r.reason ? ` — ${short(r.reason)}` : ''}`;
}

/** What asks for the pending reboot, from the agent's state: "a node condition: KernelDeadlock=True since …". */
export function triggerText(n: NodeView): string | undefined {
  return protocolTriggerText(n.state);
}

export function tooltip(n: NodeView, fmt: TimeFormat): string {
  const st = n.state;
  const phase = st?.phase ?? 'unknown';
  const p = PHASE_ICON[phase];
  const out: string[] = [`**${md(n.name)}** — $(${p.icon.replace('~spin', '')}) ${p.label}${st?.forced ? ' (forced)' : ''}`, ''];
  if (st) {
    out.push(`${md(st.reason)}`, '', `Since ${md(fmt(st.since))}${st.lock ? ` · holds lock ${code(st.lock)}` : ''}`);
    const t = triggerText(n);
    if (t) out.push('', `Asked for by: ${md(t)}`);
    if (n.queuePosition) out.push('', `Place in the lock queue: **#${n.queuePosition}**`);
    if (st.nextWindow) out.push('', `Next reboot window opens ${md(fmt(st.nextWindow))}`);
    for (const h of holdsOf(n)) out.push('', `$(${h.icon}) **${md(h.label[0].toUpperCase() + h.label.slice(1))}.** ${md(h.remedy)}`);
  } else {
    out.push('No agent has reported for this node yet.');
  }
  if (st?.drain) {
    const d = st.drain;
    out.push('', `**Drain:** ${d.total - d.left} of ${d.total} pods evicted, ${d.left} left`);
    for (const b of d.blocked.slice(0, 8)) out.push(`- ${code(b.pod)}${b.pdb ? ` blocked by PDB ${code(b.pdb)}` : ''}: ${md(short(b.reason, 100))}`);
    if (d.blocked.length > 8) out.push(`- …and ${d.blocked.length - 8} more`);
  }
  const r = n.requests;
  if (r.rebootAfter || r.forceReboot || r.block) {
    out.push('', '**Requests:**');
    if (r.rebootAfter) out.push(`- reboot after ${md(fmt(r.rebootAfter))}`);
    if (r.forceReboot) out.push(`- forced reboot requested ${md(fmt(r.forceReboot))}`);
    if (r.block) out.push(`- blocked: ${md(r.block.reason)}${r.block.until ? ` (until ${md(fmt(r.block.until))})` : ''}`);
  }
  if (n.history.length) {
    out.push('', '**Last reboots:**');
    for (const h of n.history.slice(0, 3)) out.push(`- ${md(rebootLine(h, fmt))}`);
  }
  if (n.requestErrors.length) {
    out.push('', '**Problems:**');
    for (const e of n.requestErrors.slice(0, 5)) out.push(`- $(warning) ${md(e)}`);
  }
  const where = [n.zone && `zone ${md(n.zone)}`, n.pool && `pool ${md(n.pool)}`, n.ready ? 'Ready' : 'NotReady', n.unschedulable ? 'cordoned' : undefined].filter(Boolean);
  out.push('', where.join(' · '));
  return out.join('\n');
}

export function details(n: NodeView, fmt: TimeFormat): DetailVM[] {
  const st = n.state;
  const phase = st?.phase ?? 'unknown';
  const p = PHASE_ICON[phase];
  const out: DetailVM[] = [
    { key: 'phase', label: p.label, description: st ? `${short(st.reason, 80)} · since ${fmt(st.since)}` : 'no agent report yet', icon: p.icon.replace('~spin', ''), color: p.color },
  ];
  const t = triggerText(n);
  if (t) out.push({ key: 'trigger', label: 'Trigger', description: t, icon: n.state?.trigger?.kind === 'condition' ? 'pulse' : n.state?.trigger?.kind === 'request' ? 'person' : 'file' });
  for (const h of holdsOf(n)) out.push({ key: `hold:${h.kind}`, label: h.label[0].toUpperCase() + h.label.slice(1), description: h.remedy, icon: h.icon, color: h.color });
  if (st?.lock) out.push({ key: 'lock', label: 'Lock', description: st.lock, icon: 'lock' });
  if (n.queuePosition) out.push({ key: 'queue', label: 'Queue', description: `#${n.queuePosition} for a lock slot`, icon: 'list-ordered' });
  if (st?.nextWindow) out.push({ key: 'window', label: 'Next window', description: fmt(st.nextWindow), icon: 'watch' });
  if (st?.drain) {
    const d = st.drain;
    out.push({ key: 'drain', label: 'Drain', description: `${d.total - d.left}/${d.total} pods evicted, ${d.left} left`, icon: 'arrow-circle-down' });
    for (const b of d.blocked) {
      out.push({ key: `blocked:${b.pod}`, label: b.pod, description: `${b.pdb ? `PDB ${b.pdb}: ` : ''}${short(b.reason, 80)}`, icon: 'shield', color: 'charts.red' });
    }
  }
  if (n.requests.rebootAfter) out.push({ key: 'req:after', label: 'Reboot after', description: fmt(n.requests.rebootAfter), icon: 'calendar' });
  if (n.requests.forceReboot) out.push({ key: 'req:force', label: 'Forced reboot', description: `requested ${fmt(n.requests.forceReboot)}`, icon: 'zap' });
  if (n.requests.block) {
    const b = n.requests.block;
    out.push({ key: 'req:block', label: 'Block', description: `${short(b.reason)}${b.until ? ` · until ${fmt(b.until)}` : ''}`, icon: 'circle-slash', color: 'charts.red' });
  }
  for (const [i, h] of n.history.slice(0, 3).entries()) {
    out.push({ key: `history:${i}`, label: i === 0 ? 'Last reboot' : 'Earlier reboot', description: rebootLine(h, fmt), icon: h.outcome === 'succeeded' ? 'history' : 'error', color: h.outcome === 'succeeded' ? undefined : 'errorForeground' });
  }
  for (const [i, e] of n.requestErrors.entries()) out.push({ key: `error:${i}`, label: 'Problem', description: e, icon: 'warning', color: 'charts.yellow' });
  const place = [n.zone && `zone ${n.zone}`, n.pool && `pool ${n.pool}`].filter(Boolean).join(' · ');
  if (place) out.push({ key: 'place', label: 'Placement', description: place, icon: 'location' });
  return out;
}

// What `kubectl nodemend` prints: rows built from the same views the hub streams (backend/hub/
// model.ts turns Nodes, Leases and the DaemonSet into protocol/messages.ts views), rendered as a
// kubectl-style table, a wider table, JSON or YAML. Pure: the clock and the zone are passed in.

import { dumpYaml } from '@kubernetes/client-node';
import { DateTime } from 'luxon';
import type { LockView, NodeView } from '../protocol/messages.ts';
import type { RebootRecord } from '../protocol/model.ts';
import { formatDuration } from '../protocol/duration.ts';
import type { Output } from './args.ts';

export interface StatusRow {
  node: string;
  phase: string;
  reason: string;
  ready: boolean;
  zone?: string;
  since?: string;
  nextWindow?: string;
  /** Lock slot (Lease name) the node holds. */
  slot?: string;
  /** 1-based place in the lock queue and the queue's length; position 0 = waiting, place unknown. */
  queue?: { position: number; of: number };
  lastReboot?: { end: string; outcome: string };
  /** What asks for the pending reboot (the agent's state): sentinel, command, condition or request, with its detail. */
  trigger?: { kind: string; detail?: string };
  requests: NodeView['requests'];
  requestErrors: string[];
}

export interface Status {
  /** null: none; undefined: could not be read (the notes say why). */
  clusterBlock?: { reason: string; until?: string } | null;
  nodes: StatusRow[];
}

/** One row per node; `locks` is undefined when the Leases could not be read. */
export function statusRows(views: NodeView[], locks: LockView | undefined): StatusRow[] {
  const holder = new Map((locks?.slots ?? []).filter((s) => s.holder).map((s) => [s.holder!, s.name]));
  return [...views].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })).map((n) => {
    const st = n.state;
    const row: StatusRow = { node: n.name, phase: st?.phase ?? 'unknown', reason: st?.reason ?? 'no agent has reported for this node', ready: n.ready, requests: n.requests, requestErrors: n.requestErrors };
    if (n.zone) row.zone = n.zone;
    if (st?.since) row.since = st.since;
    if (st?.nextWindow) row.nextWindow = st.nextWindow;
    if (st?.trigger && st.rebootRequired) row.trigger = st.trigger;
    // The Leases are the lock; without access to them, the Lease the agent says it holds.
    const slot = locks ? holder.get(n.name) : st?.lock;
    if (slot) row.slot = slot;
    const place = locks ? locks.waiting.indexOf(n.name) : -1;
    if (place >= 0) row.queue = { position: place + 1, of: locks!.waiting.length };
    else if (!slot && st?.phase === 'waiting-lock') row.queue = { position: 0, of: 0 };
    const last = n.history[0];
    if (last) row.lastReboot = { end: last.end, outcome: last.outcome };
    return row;
  });
}

/** "2026-12-07 02:00 (in 6h)" in the reader's zone. */
export function when(iso: string | undefined, zone: string, now: number): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '-';
  const d = t - now;
  const rel = Math.abs(d) < 60_000 ? 'now' : d > 0 ? `in ${roughly(d)}` : `${roughly(-d)} ago`;
  return `${DateTime.fromMillis(t, { zone }).toFormat('yyyy-MM-dd HH:mm')} (${rel})`;
}

/** The largest unit or two: 3d4h, 6h, 45m. */
function roughly(ms: number): string {
  const s = formatDuration(Math.round(ms / 60_000) * 60_000).replace(/\d+s$/, '') || '1m';
  return (/^\d+[a-z]\d+[a-z]/.exec(s)?.[0]) ?? s;
}

const short = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function slotCell(r: StatusRow): string {
  if (r.slot) return r.slot;
  if (!r.queue) return '-';
  return r.queue.position ? `queue ${r.queue.position}/${r.queue.of}` : 'queue ?';
}

function requestsCell(r: StatusRow, zone: string, now: number): string {
  const q = r.requests;
  const parts: string[] = [];
  if (q.forceReboot) parts.push('force');
  if (q.rebootAfter) parts.push(`reboot after ${when(q.rebootAfter, zone, now)}`);
  if (q.block) parts.push(`blocked: ${oneLine(q.block.reason)}${q.block.until ? ` until ${when(q.block.until, zone, now)}` : ''}`);
  if (r.requestErrors.length) parts.push(`${r.requestErrors.length} bad annotation${r.requestErrors.length === 1 ? '' : 's'}`);
  return parts.join('; ') || '-';
}

/** Columns padded kubectl's way (three spaces between). */
export function table(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(width[i] - [...c].length))).join('   ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

function structured(v: unknown, output: Output): string {
  return output === 'yaml' ? dumpYaml(v) : JSON.stringify(v, null, 2) + '\n';
}

export function renderStatus(s: Status, output: Output, zone: string, now: number): string {
  if (output === 'json' || output === 'yaml') return structured(s, output);
  const wide = output === 'wide';
  let out = '';
  if (s.clusterBlock) out += `Cluster-wide block: ${oneLine(s.clusterBlock.reason)}${s.clusterBlock.until ? `, until ${when(s.clusterBlock.until, zone, now)}` : ', until resumed'}\n\n`;
  if (s.nodes.length === 0) return out + 'No nodes.\n';
  const last = (r: StatusRow) => (r.lastReboot ? `${when(r.lastReboot.end, zone, now)} ${r.lastReboot.outcome}` : '-');
  const head = ['NODE', 'PHASE', 'REASON', 'NEXT WINDOW', 'SLOT/QUEUE', 'LAST REBOOT'];
  const rows = s.nodes.map((r) => [r.node, r.phase, wide ? oneLine(r.reason) : short(oneLine(r.reason), 50), when(r.nextWindow, zone, now), slotCell(r), last(r)]);
  if (!wide) return out + table(head, rows);
  return out + table(
    [...head, 'READY', 'ZONE', 'SINCE', 'REQUESTS', 'TRIGGER'],
    s.nodes.map((r, i) => [...rows[i], r.ready ? 'True' : 'False', r.zone ?? '-', when(r.since, zone, now), requestsCell(r, zone, now), triggerCell(r)]),
  );
}

/** "condition KernelDeadlock=True since …", "sentinel /var/run/reboot-required", "request nodemend.dev/force-reboot …". */
function triggerCell(r: StatusRow): string {
  if (!r.trigger) return '-';
  const detail = r.trigger.detail ? oneLine(r.trigger.detail).replace(/^node condition /, '') : '';
  return detail ? `${r.trigger.kind} ${detail}` : r.trigger.kind;
}

export function renderHistory(node: NodeView, output: Output, zone: string, now: number): string {
  if (output === 'json' || output === 'yaml') return structured({ node: node.name, state: node.state ?? null, history: node.history }, output);
  const st = node.state;
  let out = st ? `${node.name}: ${st.phase} since ${when(st.since, zone, now)}: ${oneLine(st.reason)}\n\n` : `${node.name}: no agent has reported for this node.\n\n`;
  if (node.history.length === 0) return out + 'No reboots recorded yet.\n';
  const ms = (v: number | undefined) => (v === undefined ? '-' : formatDuration(v));
  const took = (h: RebootRecord) => {
    const d = Date.parse(h.end) - Date.parse(h.start);
    return Number.isFinite(d) && d >= 0 ? formatDuration(d) : '-';
  };
  const rows = node.history.map((h) => [when(h.start, zone, now), h.outcome, took(h), ms(h.drainMs), ms(h.rebootMs), ms(h.verifyMs), h.forced ? 'yes' : '-', (output === 'wide' ? oneLine(h.reason ?? '') : short(oneLine(h.reason ?? ''), 50)) || '-']);
  out += table(['STARTED', 'OUTCOME', 'TOOK', 'DRAIN', 'REBOOT', 'VERIFY', 'FORCED', 'REASON'], rows);
  return out;
}

export function renderLocks(locks: LockView, output: Output, zone: string, now: number): string {
  if (output === 'json' || output === 'yaml') return structured(locks, output);
  let out = locks.slots.length
    ? table(
        ['SLOT', 'SCOPE', 'HOLDER', 'SINCE', 'STAGE', ...(output === 'wide' ? ['EXPIRES'] : [])],
        locks.slots.map((s) => [s.name, s.scope, s.holder ?? '(free)', when(s.since, zone, now), s.stage ?? '-', ...(output === 'wide' ? [when(s.expiresAt, zone, now)] : [])]),
      )
    : 'No lock slots yet (they are created on first use).\n';
  out += locks.waiting.length ? `\nWaiting for a slot, first in line first: ${locks.waiting.join(', ')}\n` : '\nNo node is waiting for a slot.\n';
  return out;
}

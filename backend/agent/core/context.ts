// What decide() derives once from the raw facts (parsed requests, active blocks, whether a reboot
// is needed), shared by the idle path and the lock-holding path, plus small text helpers.

import { A, blockActive, parseRequests, type ManualBlock } from '../../../protocol/annotations.ts';
import type { Phase } from '../../../protocol/model.ts';
import type { NodeFacts, PdbBlock } from '../ports.ts';
import type { Action, BlockKind, CoreConfig, Decision, Facts, Mark } from './types.ts';

export interface Ctx {
  f: Facts;
  cfg: CoreConfig;
  now: number;
  node: NodeFacts;
  rebootAfter?: number;
  /** A force-reboot request is present (its value is the time it was made). */
  forcedReq: boolean;
  /** reboot-after is present and its time has come. */
  due: boolean;
  sentinelRequired: boolean;
  /** The sentinel answered "not needed" (an unknown answer is neither yes nor no). */
  sentinelNo: boolean;
  required: boolean;
  /** The window does not apply: a force-reboot request, or an urgent node condition (--condition-ignore-window). */
  windowFree: boolean;
  /** Text of the manual block in force (node first, then cluster), and when it lapses. */
  manual?: { text: string; until?: number; kind: 'manual' | 'cluster-manual' };
  warnings: string[];
}

export function context(f: Facts, cfg: CoreConfig, now: number, node: NodeFacts): Ctx {
  const req = parseRequests(node.annotations);
  const cl = parseRequests(pick(f.cluster, [A.block, A.blockUntil]));
  const ds = `${cfg.dsNamespace}/${cfg.dsName}`;
  const warnings = [...req.errors.map((e) => `node ${node.name}: ${e}`), ...cl.errors.map((e) => `DaemonSet ${ds}: ${e}`)];
  const sentinelRequired = f.sentinel !== undefined && 'required' in f.sentinel && f.sentinel.required;
  const sentinelNo = f.sentinel !== undefined && 'required' in f.sentinel && !f.sentinel.required;
  const forcedReq = req.forceReboot !== undefined;
  const due = req.rebootAfter !== undefined && req.rebootAfter <= now;
  const urgent = sentinelRequired && 'required' in f.sentinel! && f.sentinel.urgent === true;
  const c: Ctx = { f, cfg, now, node, forcedReq, due, sentinelRequired, sentinelNo, required: sentinelRequired || forcedReq || due, windowFree: forcedReq || urgent, warnings };
  if (req.rebootAfter !== undefined) c.rebootAfter = req.rebootAfter;
  const m = manualBlock(req.block, now, 'a person blocked reboots of this node', 'manual') ?? manualBlock(cl.block, now, `a person blocked reboots cluster-wide (DaemonSet ${ds})`, 'cluster-manual');
  if (m) c.manual = m;
  return c;
}

function manualBlock(b: ManualBlock | undefined, now: number, who: string, kind: 'manual' | 'cluster-manual'): Ctx['manual'] {
  if (!blockActive(b, now)) return undefined;
  const until = b!.until;
  return { kind, text: `${who}: ${b!.reason}${until !== undefined ? ` (until ${iso(until)})` : ''}`, ...(until !== undefined ? { until } : {}) };
}

function pick(a: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]));
}

/** Why a reboot is wanted, for reasons. */
export function why(c: Ctx): string {
  const parts: string[] = [];
  if (c.forcedReq) parts.push('force-reboot requested');
  if (c.due) parts.push(`reboot-after ${iso(c.rebootAfter!)} reached`);
  if (c.sentinelRequired) parts.push((c.f.sentinel && 'required' in c.f.sentinel && c.f.sentinel.reason) || 'the sentinel says a reboot is needed');
  return parts.join('; ');
}

export function decision(c: Ctx, phase: Phase, reason: string, action: Action, extra: Partial<Decision> = {}): Decision {
  const held = c.f.lock.read ? c.f.lock.held : undefined;
  return {
    action,
    phase,
    reason,
    rebootRequired: c.required,
    forced: c.forcedReq || !!held?.forced,
    waiting: false,
    warnings: c.warnings,
    blockedBy: [],
    ...extra,
  };
}

export const wait = (until?: number): Action => (until === undefined ? { kind: 'wait' } : { kind: 'wait', until });

export function marks(c: Ctx, ...want: Mark[]): { mark?: Mark[] } {
  const missing = want.filter((m) => c.f.marks[m] === undefined);
  return missing.length ? { mark: missing } : {};
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function dur(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m}m` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

export function pdbText(blocks: PdbBlock[]): string {
  const shown = blocks.slice(0, 3).map((b) => `PodDisruptionBudget ${b.pdb} allows no disruption of pod ${b.pod} (${b.reason})`);
  return shown.join('; ') + (blocks.length > 3 ? `; and ${blocks.length - 3} more` : '');
}

/** Metric kinds of automatic blockers, by the Blocker's name. */
export function blockerKinds(bs: { name: string }[]): BlockKind[] {
  const kind = (n: string): BlockKind => (n === 'prometheus-alerts' ? 'alerts' : n === 'pod-selector' ? 'pods' : n === 'condition-storm' ? 'condition-storm' : 'other');
  return [...new Set(bs.map((b) => kind(b.name)))];
}

export function blockerText(bs: { name: string; reason: string }[]): string {
  return bs.map((b) => `${b.name}: ${b.reason}`).join('; ');
}

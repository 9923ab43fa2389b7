// The annotation API: the documented Kubernetes writes through which people (with kubectl or the
// VS Code extension, always with their own credentials) steer nodemend, and through which the
// agent publishes state. Parsers never throw: they return a value or an error that names the
// annotation and the expected format, so a bad value becomes a Warning Event and is ignored.

import type { AgentNodeState, BlockKind, RebootRecord } from './model.ts';
import { BLOCK_KINDS, HISTORY_MAX, isPhase, MAX_PUBLISHED_PDBS, TRIGGER_KINDS } from './model.ts';

export const PREFIX = 'nodemend.dev/';

/** Written by people on a Node (and block/block-until also on the agent DaemonSet = whole cluster). */
export const A = {
  rebootAfter: 'nodemend.dev/reboot-after',
  forceReboot: 'nodemend.dev/force-reboot',
  block: 'nodemend.dev/block',
  blockUntil: 'nodemend.dev/block-until',
  /** Written by the agent. */
  state: 'nodemend.dev/state',
  history: 'nodemend.dev/history',
  /** Present while nodemend itself cordoned the node: the only case in which it uncordons. */
  cordonedBy: 'nodemend.dev/cordoned-by',
  /** Last request value the agent rejected, so the Warning Event is sent once per bad value. */
  rejected: 'nodemend.dev/rejected',
  /** Written by the agent: its reboots for node conditions (protocol/conditions.ts), for the rate limit and the clear check. */
  conditionReboots: 'nodemend.dev/condition-reboots',
  /** Written by the agent when a condition did not clear after its reboot; a person removes it to allow condition reboots again. */
  conditionFailed: 'nodemend.dev/condition-failed',
} as const;

export const REQUEST_KEYS = [A.rebootAfter, A.forceReboot, A.block, A.blockUntil] as const;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const MAX_REASON = 256;

/** Parses an RFC3339 timestamp (with zone). Returns epoch milliseconds. */
export function parseTime(key: string, raw: string): Parsed<number> {
  const s = raw.trim();
  const t = RFC3339.test(s) && calendarValid(s) ? Date.parse(s) : NaN;
  if (Number.isNaN(t)) {
    return {
      ok: false,
      error: `${key}: expected an RFC3339 time such as 2026-11-24T22:00:00Z, got ${quote(raw)}`,
    };
  }
  return { ok: true, value: t };
}

export function parseReason(key: string, raw: string): Parsed<string> {
  const s = raw.trim();
  if (s.length === 0) return { ok: false, error: `${key}: expected a non-empty reason` };
  if ([...s].length > MAX_REASON) {
    return { ok: false, error: `${key}: reason longer than ${MAX_REASON} characters; shorten it` };
  }
  return { ok: true, value: s };
}

/** A person's manual block, on a node or on the DaemonSet (whole cluster). */
export interface ManualBlock {
  reason: string;
  /** Epoch ms after which the block lapses; undefined = until removed. */
  until?: number;
}

/** All requests read from one object's annotations, plus errors for the malformed ones. */
export interface Requests {
  rebootAfter?: number;
  forceReboot?: number;
  block?: ManualBlock;
  errors: string[];
}

export function parseRequests(annotations: Record<string, string> | undefined): Requests {
  const a = annotations ?? {};
  const out: Requests = { errors: [] };
  const take = <T>(p: Parsed<T>, set: (v: T) => void) => (p.ok ? set(p.value) : out.errors.push(p.error));
  if (a[A.rebootAfter] !== undefined) take(parseTime(A.rebootAfter, a[A.rebootAfter]), (v) => (out.rebootAfter = v));
  if (a[A.forceReboot] !== undefined) take(parseTime(A.forceReboot, a[A.forceReboot]), (v) => (out.forceReboot = v));
  if (a[A.block] !== undefined) {
    const r = parseReason(A.block, a[A.block]);
    if (r.ok) {
      out.block = { reason: r.value };
      if (a[A.blockUntil] !== undefined) {
        const u = parseTime(A.blockUntil, a[A.blockUntil]);
        // Fail closed: a block whose expiry cannot be read still blocks, without expiry.
        if (u.ok) out.block.until = u.value;
        else out.errors.push(u.error);
      }
    } else {
      // Fail closed: an empty or oversized reason still blocks; the reason says why it is odd.
      out.block = { reason: '(invalid block reason)' };
      out.errors.push(r.error);
    }
  } else if (a[A.blockUntil] !== undefined) {
    out.errors.push(`${A.blockUntil}: has no effect without ${A.block}; add ${A.block}=<reason>`);
  }
  return out;
}

/** True while the block is in force at `now`. */
export function blockActive(b: ManualBlock | undefined, now: number): boolean {
  return b !== undefined && (b.until === undefined || now < b.until);
}

export function parseState(raw: string | undefined): AgentNodeState | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<AgentNodeState>;
    if (v && v.v === 1 && isPhase(v.phase) && typeof v.reason === 'string' && typeof v.since === 'string') {
      // Limits that do not read as limits are dropped, never half-trusted.
      if (v.limits !== undefined && !limitsValid(v.limits)) delete v.limits;
      // What blocks: a kind this version does not know (a newer agent's) reads as 'other'; a list
      // that is not a short list of short strings is dropped (the hold then reads as of unknown cause).
      if (v.blockedBy !== undefined) {
        const kinds = blockKinds(v.blockedBy);
        if (kinds) v.blockedBy = kinds;
        else delete v.blockedBy;
      }
      if (v.trigger !== undefined && !triggerValid(v.trigger)) delete v.trigger;
      if (v.pdbs !== undefined && !(Array.isArray(v.pdbs) && v.pdbs.length <= MAX_PUBLISHED_PDBS && v.pdbs.every((p) => typeof p === 'string' && p.length > 0 && p.length <= 320))) delete v.pdbs;
      return v as AgentNodeState;
    }
  } catch {
    // fall through: unreadable state is shown as unknown, never trusted
  }
  return undefined;
}

function blockKinds(raw: unknown): BlockKind[] | undefined {
  if (!Array.isArray(raw) || raw.length > 16 || !raw.every((k) => typeof k === 'string' && k.length <= 64)) return undefined;
  const known = (k: string): BlockKind => ((BLOCK_KINDS as readonly string[]).includes(k) ? (k as BlockKind) : 'other');
  return [...new Set((raw as string[]).map(known))];
}

function triggerValid(t: unknown): boolean {
  const o = t as { kind?: unknown; detail?: unknown } | null;
  if (!o || typeof o !== 'object' || !(TRIGGER_KINDS as readonly unknown[]).includes(o.kind)) return false;
  return o.detail === undefined || (typeof o.detail === 'string' && o.detail.length <= 512);
}

function limitsValid(l: unknown): boolean {
  const count = (n: unknown) => Number.isInteger(n) && (n as number) >= 1;
  const o = l as { concurrency?: unknown; scope?: { label?: unknown; limit?: unknown } } | null;
  if (!o || typeof o !== 'object' || !count(o.concurrency)) return false;
  return o.scope === undefined || (typeof o.scope === 'object' && o.scope !== null && typeof o.scope.label === 'string' && count(o.scope.limit));
}

export function parseHistory(raw: string | undefined): RebootRecord[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw);
    if (!Array.isArray(v)) return [];
    return v
      .filter((r) => r && typeof r.start === 'string' && typeof r.end === 'string' && typeof r.outcome === 'string')
      .slice(0, HISTORY_MAX);
  } catch {
    return [];
  }
}

/** Date.parse rolls impossible dates over (Feb 30 -> Mar 2, 24:00 -> next day); Kubernetes'
 *  own parser rejects them, so must we. */
function calendarValid(s: string): boolean {
  const [y, mo, d, h, mi, se] = [s.slice(0, 4), s.slice(5, 7), s.slice(8, 10), s.slice(11, 13), s.slice(14, 16), s.slice(17, 19)].map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h <= 23 && mi <= 59 && se <= 59;
}

function quote(s: string): string {
  const short = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return JSON.stringify(short);
}

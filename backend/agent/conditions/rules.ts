// Node conditions as reboot triggers (--reboot-on-condition), the pure part: the flag's syntax,
// and evaluate(), which says from a Node's conditions and the agent's own condition-reboot
// records whether a condition asks for a reboot now. Everything it needs is passed in (the
// clock too), so each rule is a row in a table test; host.ts feeds it and writes what it asks.
//
// "Held for" is judged from the condition's lastTransitionTime, never trusting a time in the
// future (a node-problem-detector on a skewed clock): such a condition counts from when this
// process first saw it. After a condition reboot the condition must be seen cleared within
// --condition-clear-timeout; otherwise it is marked failed and never rebooted for again until a
// person removes the mark (no reboot loops).

import { formatDuration, parseDuration } from '../config/duration.ts';
import type { ConditionKey, ConditionReboot } from '../../../protocol/conditions.ts';

export interface ConditionRule {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** How long the condition must have held (0 = at once). */
  forMs: number;
  /** --condition-ignore-window names it: it may reboot outside the reboot window. */
  urgent: boolean;
}

export const ruleKey = (r: Pick<ConditionRule, 'type' | 'status'>): ConditionKey => `${r.type}=${r.status}`;

const TYPE = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,314}[A-Za-z0-9])?$/;
const STATUSES = ['True', 'False', 'Unknown'] as const;

/** Parses one --reboot-on-condition value: TYPE=STATUS[:for DURATION]. Errors name the fix, not the flag. */
export function parseConditionRule(raw: string): { ok: true; value: ConditionRule } | { ok: false; error: string } {
  const example = 'e.g. "KernelDeadlock=True:for 5m" or "ReadonlyFilesystem=True"';
  const m = /^\s*([^=:\s]+)\s*=\s*([A-Za-z]+)\s*(?::\s*for[\s=]+(\S+)\s*)?$/.exec(raw);
  if (!m) return { ok: false, error: `expected TYPE=STATUS[:for DURATION], ${example}; got ${JSON.stringify(raw)}` };
  const [, type, statusRaw, forRaw] = m;
  if (!TYPE.test(type)) return { ok: false, error: `${JSON.stringify(type)} is not a condition type (letters, digits, ".", "/", "-"), ${example}` };
  // The kubelet's Ready flips in every reboot and drain, and a NotReady node runs no agent to act.
  if (type === 'Ready') return { ok: false, error: 'the kubelet\'s Ready condition changes during every reboot; name a node-problem-detector condition instead, ' + example };
  const status = STATUSES.find((s) => s.toLowerCase() === statusRaw.toLowerCase());
  if (!status) return { ok: false, error: `status ${JSON.stringify(statusRaw)} of ${type} must be True, False or Unknown, ${example}` };
  let forMs = 0;
  if (forRaw !== undefined) {
    const d = parseDuration(forRaw);
    if (!d.ok) return { ok: false, error: `"for ${forRaw}" of ${type}: ${d.error}` };
    forMs = d.ms;
  }
  return { ok: true, value: { type, status, forMs, urgent: false } };
}

/** A Node condition as the informer has it (the client turns times into Dates; tests write strings). */
export interface NodeCondition {
  type: string;
  status: string;
  lastTransitionTime?: Date | string;
}

export interface EvalInput {
  rules: readonly ConditionRule[];
  conditions: readonly NodeCondition[];
  /** This node's condition-reboot records, newest first. */
  reboots: readonly ConditionReboot[];
  /** Conditions marked as not cleared by their reboot ('all' = an unreadable mark). */
  failed: Record<ConditionKey, string> | 'all';
  /** When this process first saw each matching condition (for transition times in the future). */
  firstSeen: Readonly<Record<ConditionKey, number>>;
  clearTimeoutMs: number;
  now: number;
}

export interface Evaluation {
  /** The condition that asks for a reboot now (an urgent one first), with the instant it began to hold. */
  trigger?: { rule: ConditionRule; since: number };
  /** Look again then: a condition not held long enough yet, or a clear wait that ends. */
  recheckAt?: number;
  /** Records whose condition is now seen cleared: mark them cleared. */
  cleared: ConditionKey[];
  /** Conditions whose reboot did not clear them: mark them failed, with why. */
  newlyFailed: Record<ConditionKey, string>;
  /** Matching conditions that stay un-acted on because they are marked failed (why, for the state). */
  marked: string[];
  /** firstSeen for the next evaluation (matching conditions only). */
  firstSeen: Record<ConditionKey, number>;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function transition(c: NodeCondition): number | undefined {
  const t = c.lastTransitionTime instanceof Date ? c.lastTransitionTime.getTime() : typeof c.lastTransitionTime === 'string' ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

export function evaluate(i: EvalInput): Evaluation {
  const out: Evaluation = { cleared: [], newlyFailed: {}, marked: [], firstSeen: {} };
  const held: { rule: ConditionRule; since: number }[] = [];
  const recheck = (at: number) => (out.recheckAt = Math.min(out.recheckAt ?? Infinity, at));
  for (const rule of i.rules) {
    const key = ruleKey(rule);
    const cond = i.conditions.find((c) => c.type === rule.type);
    const matches = cond?.status === rule.status;
    const last = i.reboots.find((r) => r.condition === key);
    const open = last && !last.cleared ? last : undefined;
    if (!matches) {
      // Only a clear seen after the reboot counts: a condition re-raised at start-up with a new
      // transition time is the same problem, not a new one.
      if (open) out.cleared.push(key);
      continue;
    }
    const seen = i.firstSeen[key] ?? i.now;
    out.firstSeen[key] = seen;
    if (i.failed === 'all' || i.failed[key] !== undefined) {
      out.marked.push(i.failed === 'all' ? `${key} holds, but the annotation nodemend.dev/condition-failed cannot be read` : `${key}: ${i.failed[key]}`);
      continue;
    }
    if (open) {
      const deadline = Date.parse(open.at) + i.clearTimeoutMs;
      if (i.now < deadline) {
        recheck(deadline);
        continue;
      }
      out.newlyFailed[key] = `did not clear within ${formatDuration(i.clearTimeoutMs)} of the reboot at ${open.at}; not rebooted for again until a person removes this mark`;
      out.marked.push(`${key}: ${out.newlyFailed[key]}`);
      continue;
    }
    const t = transition(cond!);
    const since = t !== undefined && t <= i.now ? t : seen;
    if (i.now - since >= rule.forMs) held.push({ rule, since });
    else recheck(since + rule.forMs);
  }
  const pick = held.find((h) => h.rule.urgent) ?? held[0];
  if (pick) out.trigger = pick;
  return out;
}

/** The reason text a triggered condition gives, e.g. "node condition KernelDeadlock=True since 2026-12-06T20:00:00Z (held 5m or longer)". */
export function triggerText(t: { rule: ConditionRule; since: number }): string {
  const held = t.rule.forMs > 0 ? ` (held ${formatDuration(t.rule.forMs)} or longer)` : '';
  return `node condition ${ruleKey(t.rule)} since ${iso(t.since)}${held}${t.rule.urgent ? ', allowed outside the reboot window (--condition-ignore-window)' : ''}`;
}

// The Host port with node conditions added (--reboot-on-condition): it wraps the sentinel host
// (real or simulated) and answers "is a reboot required?" from both. The sentinel comes first; a
// condition that evaluate() finds held counts as required, its reason naming the condition; a
// condition whose reboot did not clear it makes the answer "unknown" (a person must act), so the
// node shows it in every view. It also remembers what asked for the reboot (the published
// trigger, the storm blocker's "is this a condition reboot?"), records each condition reboot on
// the Node before issuing it, and marks conditions cleared or failed afterwards.
//
// The Node comes from the agent's informer cache; the conditions are re-evaluated on each Node
// update and at the instant a "for" duration or a clear wait ends. The sentinel itself is re-run
// only when its own watch fires or a period has passed (a command sentinel must not run on every
// Node heartbeat).

import * as k8s from '@kubernetes/client-node';
import { A, parseRequests } from '../../../protocol/annotations.ts';
import { CONDITION_REBOOTS_MAX, parseConditionFailed, parseConditionReboots, type ConditionKey } from '../../../protocol/conditions.ts';
import type { RebootTrigger } from '../../../protocol/model.ts';
import type { ConditionConfig } from '../config/config.ts';
import type { Disposable, Host, SentinelResult } from '../ports.ts';
import { mergePatch, withTimeout } from '../../shared/kube.ts';
import { evaluate, ruleKey, triggerText, type ConditionRule, type NodeCondition } from './rules.ts';

export interface ConditionHostOptions {
  conditions: ConditionConfig;
  /** What the sentinel is, for the published trigger: the file's path or the command. */
  sentinel: { kind: 'sentinel' | 'command'; detail: string };
  periodMs: number;
  node: string;
  /** This Node from the informer cache. */
  readNode: () => k8s.V1Node | undefined;
  /** Called on every informer update of this Node. */
  onNodeChange: (cb: () => void) => Disposable;
  /** Writes annotations of this Node (merge patch; null removes). */
  annotate: (a: Record<string, string | null>) => Promise<void>;
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;
  now: () => number;
}

/** What asks for the reboot according to the last check (undefined = nothing). */
export type LastCheck = { kind: 'sentinel' } | { kind: 'condition'; rule: ConditionRule; detail: string } | undefined;

export class ConditionHost implements Host {
  private readonly inner: Host;
  private readonly o: ConditionHostOptions;
  private innerResult: SentinelResult | undefined;
  private innerAt = 0;
  private innerDirty = true;
  private firstSeen: Record<ConditionKey, number> = {};
  private timer: NodeJS.Timeout | undefined;
  private onChange: (() => void) | undefined;
  last: LastCheck;

  constructor(inner: Host, o: ConditionHostOptions) {
    this.inner = inner;
    this.o = o;
  }

  async checkSentinel(): Promise<SentinelResult> {
    const now = this.o.now();
    if (this.innerDirty || !this.innerResult || now - this.innerAt >= this.o.periodMs * 0.8) {
      this.innerDirty = false;
      this.innerAt = now;
      this.innerResult = await this.inner.checkSentinel();
    }
    const inner = this.innerResult;
    if ('required' in inner && inner.required) {
      this.last = { kind: 'sentinel' };
      return inner;
    }
    const cond = await this.conditions(now);
    if (cond.trigger) {
      const detail = triggerText(cond.trigger);
      this.last = { kind: 'condition', rule: cond.trigger.rule, detail };
      return { required: true, reason: detail, ...(cond.trigger.rule.urgent ? { urgent: true } : {}) };
    }
    this.last = undefined;
    if ('unknown' in inner) return inner;
    if (cond.marked.length) return { unknown: `node condition not cleared by its reboot: ${cond.marked.join('; ')} (remove the annotation ${A.conditionFailed} once fixed)` };
    return inner;
  }

  /** Evaluates the conditions, writes what it asks (cleared, failed), and arranges the next look. */
  private async conditions(now: number): Promise<{ trigger?: { rule: ConditionRule; since: number }; marked: string[] }> {
    const { rules, clearTimeoutMs } = this.o.conditions;
    if (rules.length === 0) return { marked: [] };
    const n = this.o.readNode();
    if (!n) return { marked: [] };
    const ann = n.metadata?.annotations ?? {};
    const reboots = parseConditionReboots(ann[A.conditionReboots]);
    const failed = parseConditionFailed(ann[A.conditionFailed]);
    const e = evaluate({ rules, conditions: (n.status?.conditions ?? []) as NodeCondition[], reboots, failed, firstSeen: this.firstSeen, clearTimeoutMs, now });
    this.firstSeen = e.firstSeen;
    const writes: Record<string, string> = {};
    if (e.cleared.length) {
      // Only the newest record of each condition is open; marking it closes the clear wait.
      const done = new Set<ConditionKey>();
      const next = reboots.map((r) => {
        if (done.has(r.condition) || !e.cleared.includes(r.condition)) return r;
        done.add(r.condition);
        return r.cleared ? r : { ...r, cleared: true };
      });
      writes[A.conditionReboots] = JSON.stringify(next);
    }
    const newly = Object.keys(e.newlyFailed);
    if (newly.length && failed !== 'all') writes[A.conditionFailed] = JSON.stringify({ ...failed, ...e.newlyFailed });
    // A write that fails throws: the runtime reports the check as unknown and tries again.
    if (Object.keys(writes).length) await this.o.annotate(writes);
    for (const k of newly) await this.o.event('Warning', 'ConditionNotCleared', `node condition ${k} ${e.newlyFailed[k]} (annotation ${A.conditionFailed})`);
    this.schedule(e.recheckAt, now);
    return { ...(e.trigger ? { trigger: e.trigger } : {}), marked: e.marked };
  }

  private schedule(at: number | undefined, now: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (at === undefined || !this.onChange) return;
    const cb = this.onChange;
    // A little after the instant, so the held time has surely passed on the next look.
    this.timer = setTimeout(cb, Math.max(0, at - now) + 250);
    this.timer.unref();
  }

  watchSentinel(onChange: () => void): Disposable {
    this.onChange = onChange;
    const inner = this.inner.watchSentinel(() => {
      this.innerDirty = true;
      onChange();
    });
    const node = this.o.conditions.rules.length ? this.o.onNodeChange(onChange) : undefined;
    return {
      dispose: () => {
        inner.dispose();
        node?.dispose();
        clearTimeout(this.timer);
        this.onChange = undefined;
      },
    };
  }

  /** Records a condition reboot on the Node before issuing it: the rate limit and the clear check read it. */
  async reboot(): Promise<void> {
    const last = this.last;
    if (last?.kind === 'condition') {
      const prev = parseConditionReboots(this.o.readNode()?.metadata?.annotations?.[A.conditionReboots]);
      const rec = { condition: ruleKey(last.rule), at: new Date(this.o.now()).toISOString().replace(/\.\d+Z$/, 'Z') };
      // Fail closed: a condition reboot not on record could repeat without end, so no record, no reboot.
      await this.o.annotate({ [A.conditionReboots]: JSON.stringify([rec, ...prev].slice(0, CONDITION_REBOOTS_MAX)) });
    }
    await this.inner.reboot();
  }

  /** What asks for the reboot, for the published state: a person's request first, then the last check. */
  trigger(annotations: Record<string, string>, now: number): RebootTrigger | undefined {
    const req = parseRequests(annotations);
    if (req.forceReboot !== undefined) return { kind: 'request', detail: `${A.forceReboot} ${annotations[A.forceReboot]}` };
    if (req.rebootAfter !== undefined && req.rebootAfter <= now) return { kind: 'request', detail: `${A.rebootAfter} ${annotations[A.rebootAfter]}` };
    if (this.last?.kind === 'condition') return { kind: 'condition', detail: this.last.detail };
    if (this.last?.kind === 'sentinel') return { kind: this.o.sentinel.kind, detail: this.o.sentinel.detail };
    return undefined;
  }
}

/** Merge-patches this Node's annotations (the agent's own keys only: no read-modify-write needed). */
export function annotator(kc: k8s.KubeConfig, node: string): (a: Record<string, string | null>) => Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return async (a) => {
    await withTimeout(core.patchNode({ name: node, body: { metadata: { annotations: a } } }, mergePatch()), 20_000, 'patch node (condition annotations)');
  };
}

// Everything the runtime tells the world about a decision, apart from the action itself: the
// node state annotation, Events when the phase or the blocking reason changes, Warning Events for
// malformed requests (once per distinct value), the lock queue marker with the PreferNoSchedule
// taint, and the metrics. None of it is needed for safety, so a failure here is logged and the
// loop goes on (the next decision retries).

import { MAX_PUBLISHED_PDBS, type AgentNodeState, type DrainProgress, type Phase } from '../../../protocol/model.ts';
import type { Decision } from '../core/types.ts';
import type { HeldLock, NodeFacts } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import type { AgentDeps } from './deps.ts';

/**
 * Phases worth an Event when entered (the action Events cover the rest). Not 'failed': the finish
 * that fails records its RebootFailed Event itself, and the phase's reason changes once more when
 * the retry time is added, which recorded the same failure three times.
 */
const PHASE_EVENTS: Partial<Record<Phase, { type: 'Normal' | 'Warning'; reason: string }>> = {
  'reboot-required': { type: 'Normal', reason: 'RebootRequired' },
  scheduled: { type: 'Normal', reason: 'RebootScheduled' },
  'waiting-window': { type: 'Normal', reason: 'WaitingForWindow' },
  'waiting-lock': { type: 'Normal', reason: 'WaitingForLock' },
  blocked: { type: 'Normal', reason: 'RebootBlocked' },
  unknown: { type: 'Warning', reason: 'RebootStateUnknown' },
};

/**
 * Blocks that need a person are Warnings, which is what people alert on: a PodDisruptionBudget
 * that makes the drain impossible stays so until someone changes it or the workload. A window,
 * a manual block or a firing alert is expected to pass by itself.
 */
const WARNING_BLOCKS = new Set(['pdb']);

/** Gathering actions are transient: their decision is not published (it would flap). */
const GATHER = new Set(['check-sentinel', 'check-blockers', 'precheck', 'check-health', 'check-kured-cordon']);

export class Announcer {
  private readonly d: AgentDeps;
  private published: { phase: Phase; reason: string; since: number; json: string } | undefined;
  private waiting: boolean | undefined;
  private readonly warned = new Set<string>();
  /** Events sent and not answered yet (most are not waited for: see execute.ts). */
  private readonly inflight = new Set<Promise<void>>();
  drain: DrainProgress | undefined;

  constructor(deps: AgentDeps) {
    this.d = deps;
  }

  async announce(dec: Decision, node: NodeFacts | undefined, held: HeldLock | undefined, now: number): Promise<void> {
    const { log, metrics } = this.d;
    for (const w of dec.warnings) {
      if (this.warned.has(w)) continue;
      this.warned.add(w);
      log.warn('ignoring a malformed request annotation', { problem: w });
      await this.event('Warning', 'InvalidAnnotation', `${w}; the value is ignored until fixed`);
    }
    metrics?.setRebootRequired(dec.rebootRequired);
    metrics?.setLockHeld(held !== undefined);
    if (!GATHER.has(dec.action.kind)) metrics?.setBlocked(dec.blockedBy);
    // A gathering step (re-checking blockers or the precheck every period) says nothing about the
    // queue: toggling on it deleted and re-created the marker (losing the place in the queue) and
    // flipped the taint, one Node write per period per waiting node.
    if (!GATHER.has(dec.action.kind) && this.waiting !== dec.waiting) {
      try {
        await this.d.lock.setWaiting(dec.waiting);
        if (this.d.config.preferNoScheduleTaint) await this.d.node.setPreferNoScheduleTaint(this.d.config.preferNoScheduleTaint, dec.waiting);
        this.waiting = dec.waiting;
      } catch (e) {
        log.warn('cannot update the waiting marker or taint', { error: errMsg(e) });
      }
    }
    if (GATHER.has(dec.action.kind) || !node) return;
    await this.publish(dec, node, held, now);
  }

  async publish(dec: Pick<Decision, 'phase' | 'reason' | 'rebootRequired' | 'forced' | 'nextWindow' | 'windowCloses' | 'gateSince' | 'readySince' | 'releaseSince'> & Partial<Pick<Decision, 'blockedBy' | 'pdbs'>>, node: NodeFacts, held: HeldLock | undefined, now: number): Promise<void> {
    const prev = this.published;
    const since = prev && prev.phase === dec.phase ? prev.since : now;
    const state: AgentNodeState = {
      v: 1,
      phase: dec.phase,
      reason: dec.reason,
      since: new Date(since).toISOString(),
      rebootRequired: dec.rebootRequired,
      agent: this.d.agent,
      limits: { concurrency: this.d.config.concurrency, ...(this.d.config.scope ? { scope: this.d.config.scope } : {}) },
    };
    if (held) state.lock = held.leases.join(', ');
    if (dec.forced) state.forced = true;
    if (dec.nextWindow !== undefined) state.nextWindow = new Date(dec.nextWindow).toISOString();
    // Whole minutes only: the close time must not rewrite the annotation on every tick.
    if (dec.windowCloses !== undefined && Number.isFinite(dec.windowCloses)) state.windowCloses = new Date(Math.floor(dec.windowCloses / 60_000) * 60_000).toISOString();
    if (node.bootId) state.bootId = node.bootId;
    if (dec.phase === 'draining' && this.drain) state.drain = this.drain;
    if (dec.gateSince !== undefined) state.healthGateSince = new Date(dec.gateSince).toISOString();
    if (dec.readySince !== undefined) state.readySince = new Date(dec.readySince).toISOString();
    if (dec.releaseSince !== undefined) state.lockReleaseDelaySince = new Date(dec.releaseSince).toISOString();
    // What blocks, as kinds: the hub's forecast tells held nodes apart by it, never by the reason text.
    if (dec.blockedBy?.length) state.blockedBy = [...dec.blockedBy];
    if (dec.pdbs?.length) state.pdbs = dec.pdbs.slice(0, MAX_PUBLISHED_PDBS);
    const json = JSON.stringify(state);
    if (prev?.json === json) return;
    try {
      await this.d.node.publishState(state);
      this.published = { phase: dec.phase, reason: dec.reason, since, json };
    } catch (e) {
      this.d.log.warn('cannot publish the node state', { error: errMsg(e), phase: dec.phase });
      return;
    }
    const ev = PHASE_EVENTS[dec.phase];
    // A new phase, or a new reason to be blocked or failed, is news; a new queue position is not.
    const news = !prev || prev.phase !== dec.phase || ((dec.phase === 'blocked' || dec.phase === 'failed') && prev.reason !== dec.reason);
    const type = dec.phase === 'blocked' && dec.blockedBy?.some((b) => WARNING_BLOCKS.has(b)) ? 'Warning' : ev?.type;
    if (ev && type && news) await this.event(type, ev.reason, dec.reason);
    this.d.log.info('state', { phase: dec.phase, reason: dec.reason });
  }

  /** Records an Event; with `once`, only the first with that key is recorded (NodePort.event). */
  event(type: 'Normal' | 'Warning', reason: string, message: string, once?: string): Promise<void> {
    const p = (once === undefined ? this.d.node.event(type, reason, message) : this.d.node.event(type, reason, message, once)).catch((e: unknown) => {
      this.d.log.warn('cannot record an Event', { reason, error: errMsg(e) });
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  /**
   * Waits, at most `ms`, for the Events still on their way. Called right before the host goes
   * down: the Cordoned and Drained Events are sent without waiting, and one still in flight
   * when the kernel restarts is lost.
   */
  async settle(ms: number): Promise<void> {
    if (this.inflight.size === 0) return;
    const ac = new AbortController();
    await Promise.race([Promise.allSettled([...this.inflight]), this.d.clock.sleep(ms, ac.signal)]);
    ac.abort();
  }

  async notify(kind: 'drain' | 'reboot' | 'uncordon' | 'failure', message: string): Promise<void> {
    try {
      await this.d.notifier.notify(kind, this.d.config.nodeId, message);
    } catch (e) {
      this.d.log.warn('notification failed', { kind, error: errMsg(e) });
    }
  }
}

// The agent's runtime loop: one loop, one reducer, one caller of decide().
//
//   event handlers ──observation──▶ reduce() ──▶ facts ──▶ decide() ──▶ announce, execute
//        (record what they saw, wake the loop)        ▲                        │
//                                                     └──────observation───────┘
//
// Each round reads the informer caches (and the sentinel when it may have changed), folds them
// into the facts, decides, announces the decision and executes its action, which hands back what
// it saw as observations and says when to decide next (Next). The loop wakes when a handler saw
// something (the Node or the agent DaemonSet changed, the sentinel may have changed, a slot was
// lost or may be free, Kured's lock changed), at the time the action named, and on a jittered
// periodic tick (--period, the safety net).
//
// The drain is long, so it runs as a task while the loop keeps observing and deciding: a decision
// other than "drain" (a person blocked or cancelled, the sentinel is gone, the lock was lost)
// aborts it at once. No other action runs beside it.
//
// An error (API server down, a 500, a timeout) never ends the loop: it backs off exponentially
// with jitter and tries again. Shutdown is an AbortSignal; the lock is deliberately kept across
// it, since its stage lets the next process resume (a reboot kills the process while it holds the
// lock by design).

import { A, parseState } from '../../../protocol/annotations.ts';
import { resumedSince, type ResumedMark } from '../../../protocol/model.ts';
import { decide } from '../core/decide.ts';
import type { Decision, Facts, Mark } from '../core/types.ts';
import type { Disposable, HeldLock, LockLost } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import { Announcer } from './announce.ts';
import type { AgentDeps } from './deps.ts';
import { execute, NOW, ON_CHANGE, type Exec, type Next } from './execute.ts';
import { lostReason, reduce, type Observation } from './reduce.ts';
import { Wake } from './wake.ts';

const MAX_BACKOFF_MS = 30_000;
/** After this many rounds without a wait, pause briefly: a guard against a decision that never settles. */
const MAX_BUSY_ROUNDS = 50;

const RESUMED: [Mark, ResumedMark][] = [['ready', 'readySince'], ['gate', 'healthGateSince'], ['release', 'lockReleaseDelaySince']];

/** An action running beside the loop (the drain). */
interface Task {
  kind: Decision['action']['kind'];
  cancel: AbortController;
  done: Promise<void>;
}

export class AgentRuntime implements Exec {
  /** Changed only by see() (the reducer); tests may set it up directly. */
  facts: Facts = { cluster: {}, lock: { read: false }, marks: {} };
  readonly deps: AgentDeps;
  readonly announcer: Announcer;
  private readonly wake: Wake;
  private sentinelDirty = true;
  /** Set once the lock is read at start-up after a reboot: take over the instants the previous process published. */
  private resume = false;
  private errors = 0;
  private task: Task | undefined;
  /** A task that failed: the loop backs off as for its own errors. */
  private taskError: unknown;
  /** The decision in force (logs, the drain's progress). */
  lastDecision: Decision | undefined;
  /** Epoch ms of the last completed round (liveness). */
  lastRound = 0;
  finishing: Exec['finishing'];

  constructor(deps: AgentDeps) {
    this.deps = deps;
    this.wake = new Wake(deps.clock);
    this.announcer = new Announcer(deps);
  }

  /** Set while a drain runs (liveness: a long drain is not a wedged loop). */
  get drainAbort(): AbortController | undefined {
    return this.task?.cancel;
  }

  current(): Facts {
    return this.facts;
  }

  last(): Decision | undefined {
    return this.lastDecision;
  }

  kick(): void {
    this.wake.kick();
  }

  held(): HeldLock | undefined {
    return this.facts.lock.read ? this.facts.lock.held : undefined;
  }

  /**
   * Folds an observation into the facts (the one reducer). A slot lost is news for the operator
   * whoever saw it (the Lease watch or a stage write), so its Event is recorded here, once.
   */
  see(o: Observation): boolean {
    const before = this.facts;
    this.facts = reduce(before, o);
    if (this.facts === before) return false;
    if (o.kind === 'lock-lost') {
      const stage = before.lock.read ? before.lock.held?.stage : undefined;
      void this.announcer.event('Warning', 'LockLost', `lock lost: ${lostReason(o)}; ${stage === 'rebooting' ? 'the reboot was already issued, finishing verification' : 'the reboot is cancelled'}`);
    }
    return true;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { clock, random, config, log } = this.deps;
    const subs: Disposable[] = [this.deps.node.onChange(() => this.kick()), this.deps.host.watchSentinel(() => this.sentinelChanged())];
    if (this.deps.lock.onLost) subs.push(this.deps.lock.onLost((l) => this.lockLost(l)));
    if (this.deps.onLockChange) subs.push(this.deps.onLockChange(() => this.lockChanged()));
    if (this.deps.kured) subs.push(this.deps.kured.onChange(() => this.kuredChanged()));
    const jitter = () => config.periodMs * (0.8 + 0.4 * random());
    // First tick jittered too, so agents started together do not tick together.
    let nextTick = clock.now() + jitter();
    let busy = 0;
    log.info('agent started', { node: config.nodeId, dryRun: config.dryRun });
    try {
      while (!signal.aborted) {
        if (clock.now() >= nextTick) {
          this.sentinelDirty = true;
          nextTick = clock.now() + jitter();
        }
        let next: Next;
        try {
          next = await this.step(signal);
          this.errors = 0;
        } catch (e) {
          if (signal.aborted) break;
          this.errors++;
          const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.errors, 10)) * (0.5 + random());
          log.warn('agent step failed; retrying', { error: errMsg(e), action: this.lastDecision?.action.kind, attempt: this.errors, retryInMs: Math.round(delay) });
          // Not woken by kicks: while the API server is down, events must not turn this into a busy loop.
          await clock.sleep(delay, signal);
          continue;
        }
        this.lastRound = clock.now();
        if (next.kind === 'now' && ++busy < MAX_BUSY_ROUNDS) continue;
        busy = 0;
        const wakeAt = Math.min(next.kind === 'at' ? next.at : next.kind === 'now' ? clock.now() + 1000 : Infinity, nextTick);
        await this.wake.sleep(wakeAt - clock.now(), signal);
      }
    } finally {
      for (const s of subs) s.dispose();
      // The drain listens to `signal` too; wait for it, so nothing acts after run() returns.
      await this.task?.done;
      log.info('agent stopped', { node: config.nodeId });
    }
  }

  /** One round: observe, decide, announce, act. Returns when to decide next. */
  async step(signal: AbortSignal): Promise<Next> {
    if (this.taskError !== undefined) {
      const e = this.taskError;
      this.taskError = undefined;
      throw e;
    }
    await this.observe();
    const now = this.deps.clock.now();
    const dec = decide(this.facts, this.deps.config, now);
    if (dec.mark) this.see({ kind: 'marked', marks: dec.mark, at: now });
    this.lastDecision = dec;
    if (this.task) {
      // The drain goes on while it is still what the decision wants; it publishes its own progress.
      if (dec.action.kind === this.task.kind) return ON_CHANGE;
      this.deps.log.info('cancelling the drain', { reason: dec.reason });
      this.task.cancel.abort();
      await this.task.done;
      // Decide again on what the aborted drain saw.
      return NOW;
    }
    await this.announcer.announce(dec, this.facts.node, this.held(), now);
    if (dec.action.kind === 'drain') {
      this.startTask(dec, signal);
      return ON_CHANGE;
    }
    return execute(this, dec, signal);
  }

  private startTask(dec: Decision, signal: AbortSignal): void {
    const cancel = new AbortController();
    const done = execute(this, dec, signal, cancel.signal)
      .then(
        () => {},
        (e: unknown) => void (this.taskError = e),
      )
      .finally(() => {
        // It ended by itself or was aborted: either way the loop decides on what it saw.
        this.task = undefined;
        this.wake.kick();
      });
    this.task = { kind: dec.action.kind, cancel, done };
  }

  /** The observing part of a round: the caches always, the lock once, the sentinel when it may have changed. */
  private async observe(): Promise<void> {
    const { node, lock, host, kured } = this.deps;
    this.see({ kind: 'caches', node: node.facts(), cluster: node.clusterAnnotations(), ...(kured ? { kured: kured.observe() } : {}) });
    if (!this.facts.lock.read) {
      let held: HeldLock | undefined;
      try {
        held = await lock.held();
      } catch (e) {
        this.see({ kind: 'lock-unreadable', error: errMsg(e) });
        throw e;
      }
      this.see({ kind: 'lock-read', held });
      if (held) this.deps.log.info('found a held lock at start-up; resuming', { stage: held.stage, leases: held.leases });
      this.resume = held?.stage === 'rebooting';
    }
    if (this.resume && this.facts.node) {
      this.resume = false;
      this.resumeMarks();
    }
    if (this.sentinelDirty) {
      this.sentinelDirty = false;
      this.see({ kind: 'sentinel', value: await host.checkSentinel().catch((e: unknown) => ({ unknown: `sentinel check failed: ${errMsg(e)}` })) });
    }
  }

  /**
   * A previous process of this agent may have been verifying the reboot: the instants it
   * published (Ready seen, health gate and lock-release delay begun) are taken over, so the gate's
   * timeout and the release delay do not start over, and the history's durations stay right.
   */
  private resumeMarks(): void {
    const held = this.held();
    if (!held) return;
    const st = parseState(this.facts.node?.annotations[A.state]);
    const marks: Partial<Record<Mark, number>> = {};
    for (const [mark, field] of RESUMED) {
      if (this.facts.marks[mark] !== undefined) continue;
      const since = resumedSince(st, field, held.stageAt, this.deps.clock.now());
      if (since === undefined) continue;
      marks[mark] = since;
      this.deps.log.info('resuming from the previous agent process', { mark, since: new Date(since).toISOString() });
    }
    this.see({ kind: 'resumed', marks });
  }

  // Event handlers: each records what it saw and wakes the loop; the loop decides.

  /** The sentinel may have changed: look at it in the next round. */
  private sentinelChanged(): void {
    this.sentinelDirty = true;
    this.kick();
  }

  /**
   * The Leases changed. A slot may have been freed: a waiting node tries again at its turn in the
   * queue instead of after the period, keeping the failure's reason so the published state does
   * not flap. Changes that free nothing (renewals, stage updates, queue markers) wake nobody; a
   * stale holder is found by the periodic retry.
   */
  lockChanged(): void {
    if (!this.facts.acquireFailure) return;
    const delay = this.deps.lock.turn ? this.deps.lock.turn() : 0;
    if (delay === undefined) return;
    if (this.see({ kind: 'slot-turn', retryAt: this.deps.clock.now() + delay })) this.kick();
  }

  /** Kured's lock changed (a holder released, or it is gone): a waiting node tries again now. */
  private kuredChanged(): void {
    this.see({ kind: 'slot-turn', retryAt: this.deps.clock.now() });
    this.kick();
  }

  /**
   * A held slot was taken over: the lock is lost. The decision core then cancels (before the
   * reboot) or only finishes verifying (after it); a running drain stops at the next round.
   */
  lockLost(l: LockLost): void {
    if (this.see({ kind: 'lock-lost', ...l })) this.kick();
  }
}

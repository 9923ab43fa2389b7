// The agent's runtime loop: observe (through the ports) -> decide (pure core) -> act (through the
// ports) -> announce. It re-runs when the node or the agent DaemonSet changes (informer), when the
// sentinel may have changed (watch), when lock Leases change, at the time the decision names, and
// on a jittered periodic tick (--period, the safety net). An error (API server down, a 500, a
// timeout) never ends the loop: it backs off exponentially with jitter and tries again. Shutdown
// is an AbortSignal; the lock is deliberately kept across it, since its stage lets the next
// process resume (a reboot kills the process while it holds the lock by design).

import { A, parseState } from '../../../protocol/annotations.ts';
import { resumedSince, type ResumedMark } from '../../../protocol/model.ts';
import type { Mark } from '../core/types.ts';
import { decide } from '../core/decide.ts';
import type { Decision, Facts } from '../core/types.ts';
import type { Disposable, HeldLock, LockLost } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import { Announcer } from './announce.ts';
import type { AgentDeps } from './deps.ts';
import { execute } from './execute.ts';
import { Wake } from './wake.ts';

const MAX_BACKOFF_MS = 30_000;
/** After this many rounds without a wait, pause briefly: a guard against a decision that never settles. */
const MAX_BUSY_ROUNDS = 50;

const RESUMED: [Mark, ResumedMark][] = [['ready', 'readySince'], ['gate', 'healthGateSince'], ['release', 'lockReleaseDelaySince']];

export class AgentRuntime {
  readonly facts: Facts = { cluster: {}, lock: { read: false }, marks: {} };
  private readonly d: AgentDeps;
  private readonly wake: Wake;
  readonly announcer: Announcer;
  private sentinelDirty = true;
  /** Set once the lock is read at start-up after a reboot: take over the instants the previous process published. */
  private resume = false;
  private errors = 0;
  /** Last decision, for tests and /healthz. */
  last: Decision | undefined;
  /** Epoch ms of the last completed round (liveness). */
  lastRound = 0;
  /** Set while a drain runs: aborting it lets a manual block or a cancellation take effect at once. */
  drainAbort: AbortController | undefined;
  /** Steps of the finish in progress already done, so a retried finish never repeats one (e.g. a history entry). */
  finishing: { acquiredAt: number; done: Set<string> } | undefined;

  constructor(deps: AgentDeps) {
    this.d = deps;
    this.wake = new Wake(deps.clock);
    this.announcer = new Announcer(deps);
  }

  get deps(): AgentDeps {
    return this.d;
  }

  kick(): void {
    this.wake.kick();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { clock, random, config, log } = this.d;
    const subs: Disposable[] = [
      this.d.node.onChange(() => this.onNodeChange()),
      this.d.host.watchSentinel(() => this.onSentinelChange()),
    ];
    if (this.d.lock.onLost) subs.push(this.d.lock.onLost((l) => this.lockLost(l)));
    if (this.d.onLockChange) subs.push(this.d.onLockChange(() => this.lockChanged()));
    if (this.d.kured) subs.push(this.d.kured.onChange(() => this.kuredChanged()));
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
        let until: number | undefined;
        try {
          until = await this.step(signal);
          this.errors = 0;
        } catch (e) {
          if (signal.aborted) break;
          this.errors++;
          const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.errors, 10)) * (0.5 + random());
          log.warn('agent step failed; retrying', { error: errMsg(e), action: this.last?.action.kind, attempt: this.errors, retryInMs: Math.round(delay) });
          // Not woken by kicks: while the API server is down, events must not turn this into a busy loop.
          await clock.sleep(delay, signal);
          continue;
        }
        this.lastRound = clock.now();
        if (until === undefined && ++busy < MAX_BUSY_ROUNDS) continue;
        busy = 0;
        const wakeAt = Math.min(until ?? clock.now() + 1000, nextTick);
        await this.wake.sleep(wakeAt - clock.now(), signal);
      }
    } finally {
      for (const s of subs) s.dispose();
      this.drainAbort?.abort();
      log.info('agent stopped', { node: config.nodeId });
    }
  }

  /** One round: observe, decide, announce, act. Returns when to wake (undefined = act again now). */
  async step(signal: AbortSignal): Promise<number | undefined> {
    const { node, lock, host, clock } = this.d;
    const f = this.facts;
    f.node = node.facts();
    f.cluster = node.clusterAnnotations();
    if (this.d.kured) f.kured = this.d.kured.observe();
    if (!f.lock.read) {
      try {
        f.lock = { read: true, held: await lock.held() };
      } catch (e) {
        f.lock = { read: false, error: errMsg(e) };
        throw e;
      }
      if (f.lock.held) this.d.log.info('found a held lock at start-up; resuming', { stage: f.lock.held.stage, leases: f.lock.held.leases });
      this.resume = f.lock.held?.stage === 'rebooting';
    }
    if (this.resume && f.node) {
      this.resume = false;
      this.resumeMarks();
    }
    if (this.sentinelDirty) {
      this.sentinelDirty = false;
      try {
        f.sentinel = await host.checkSentinel();
      } catch (e) {
        f.sentinel = { unknown: `sentinel check failed: ${errMsg(e)}` };
      }
    }
    const now = clock.now();
    const dec = decide(f, this.d.config, now);
    for (const m of dec.mark ?? []) f.marks[m] ??= now;
    this.last = dec;
    await this.announcer.announce(dec, f.node, this.held(), now);
    return execute(this, dec, signal);
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
    for (const [mark, field] of RESUMED) {
      if (this.facts.marks[mark] !== undefined) continue;
      const since = resumedSince(st, field, held.stageAt, this.d.clock.now());
      if (since === undefined) continue;
      this.facts.marks[mark] = since;
      this.d.log.info('resuming from the previous agent process', { mark, since: new Date(since).toISOString() });
    }
  }

  /**
   * The Leases changed. A slot may have been freed: a waiting node tries again at its turn in the
   * queue instead of after the period, keeping the failure's reason so the published state does
   * not flap. Changes that free nothing (renewals, stage updates, queue markers) wake nobody; a
   * stale holder is found by the periodic retry.
   */
  lockChanged(): void {
    const a = this.facts.acquireFailure;
    if (!a) return;
    const delay = this.d.lock.turn ? this.d.lock.turn() : 0;
    if (delay === undefined) return;
    const retryAt = this.d.clock.now() + delay;
    if (a.value.retryAt !== undefined && a.value.retryAt <= retryAt) return;
    this.facts.acquireFailure = { at: a.at, value: { ...a.value, retryAt } };
    this.wake.kick();
  }

  /** Kured's lock changed (a holder released, or it is gone): a waiting node tries again now. */
  private kuredChanged(): void {
    const a = this.facts.acquireFailure;
    if (a) this.facts.acquireFailure = { at: a.at, value: { ...a.value, retryAt: this.d.clock.now() } };
    this.wake.kick();
  }

  held(): HeldLock | undefined {
    return this.facts.lock.read ? this.facts.lock.held : undefined;
  }

  /**
   * A held slot was taken over: the lock is lost. The decision core then cancels (before the
   * reboot) or only finishes verifying (after it); a running drain stops at once.
   */
  lockLost(l: LockLost): void {
    const held = this.held();
    if (!held || !held.leases.includes(l.lease)) return;
    const reason = `Lease ${l.lease} was taken over by ${l.holder || 'nobody (emptied)'}`;
    const lost = { reason: held.lost ? `${held.lost.reason}; ${reason}` : reason, at: l.at };
    this.facts.lock = { read: true, held: { ...held, leases: held.leases.filter((n) => n !== l.lease), lost } };
    void this.announcer.event('Warning', 'LockLost', `lock lost: ${reason}; ${held.stage === 'rebooting' ? 'the reboot was already issued, finishing verification' : 'the reboot is cancelled'}`);
    this.recheckDrain();
    this.wake.kick();
  }

  private onNodeChange(): void {
    this.recheckDrain();
    this.wake.kick();
  }

  /**
   * Called by the drain step once it can be aborted: a change that arrived between the decision
   * and this moment (a removed sentinel, a new block) must still cancel it.
   */
  drainStarted(ac: AbortController): void {
    this.drainAbort = ac;
    if (this.sentinelDirty) this.onSentinelChange();
    else this.recheckDrain();
  }

  private onSentinelChange(): void {
    this.sentinelDirty = true;
    this.wake.kick();
    if (!this.drainAbort) return;
    // The loop is busy draining; look now, so a removed sentinel cancels the drain.
    this.d.host.checkSentinel().then(
      (r) => {
        this.facts.sentinel = r;
        this.recheckDrain();
      },
      () => {},
    );
  }

  /** While draining, re-decide at once: a manual block or a withdrawn request cancels the drain. */
  private recheckDrain(): void {
    if (!this.drainAbort) return;
    const f = { ...this.facts, node: this.d.node.facts(), cluster: this.d.node.clusterAnnotations() };
    const next = decide(f, this.d.config, this.d.clock.now());
    if (next.action.kind !== 'drain') {
      this.d.log.info('cancelling the drain', { reason: next.reason });
      this.drainAbort.abort();
    }
  }
}

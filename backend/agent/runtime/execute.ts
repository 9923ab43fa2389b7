// Carries out one decided action through the ports. What an action learns is handed to the
// runtime as an Observation (Exec.see folds it into the facts with the one reducer, reduce.ts);
// what it returns is when the loop should decide next (Next). Every mutation is idempotent or
// guarded, so a step retried after an error (or after a restart) is safe. This module knows the
// runtime only through Exec: it imports nothing from agent.ts.

import type { Decision, Facts, Finish } from '../core/types.ts';
import { LockLostError, type HeldLock } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import { kuredAdoption, kuredEntry } from '../lock/kured.ts';
import type { Announcer } from './announce.ts';
import type { AgentDeps } from './deps.ts';
import type { Observation } from './reduce.ts';

/** After a write to the Node, give the informer this long to deliver it before deciding again. */
const SETTLE_MS = 2000;
/** How long the reboot waits for Events still on their way (an Events API that hangs is not waited for longer). */
const SETTLE_EVENTS_MS = 10_000;

/** When the loop decides next. It also decides early whenever an event handler saw something. */
export type Next =
  /** At once: the action changed the facts the decision rests on. */
  | { kind: 'now' }
  /** At this instant (a delay running out, the informer given time to deliver a write). */
  | { kind: 'at'; at: number }
  /** Only when something changes (or on the periodic tick, the safety net). */
  | { kind: 'change' };

export const NOW: Next = { kind: 'now' };
export const ON_CHANGE: Next = { kind: 'change' };
export const at = (ms: number): Next => ({ kind: 'at', at: ms });

/** What an action needs of the runtime. */
export interface Exec {
  readonly deps: AgentDeps;
  readonly announcer: Announcer;
  /** The facts now: an event handler may have folded an observation in since the decision. */
  current(): Facts;
  /** Folds what was seen into the facts (reduce.ts); false when it changed nothing. */
  see(o: Observation): boolean;
  /** The decision in force (the drain publishes its progress with it). */
  last(): Decision | undefined;
  /** Steps of the finish in progress already done, so a retried finish never repeats one. */
  finishing?: { acquiredAt: number; done: Set<string> };
}

/**
 * Runs the action. `cancel` (the drain only) aborts it because a new decision wants something
 * else; `signal` is the agent stopping.
 */
export async function execute(x: Exec, dec: Decision, signal: AbortSignal, cancel?: AbortSignal): Promise<Next> {
  const { node, lock, drain, host, clock, config, log, blockers, healthGate } = x.deps;
  const say = x.announcer;
  const a = dec.action;
  switch (a.kind) {
    case 'wait':
      return a.until === undefined ? ON_CHANGE : at(a.until);
    case 'check-sentinel':
      // The loop checks the sentinel before deciding; asking again means that check has not run.
      x.see({ kind: 'sentinel', value: await host.checkSentinel().catch((e: unknown) => ({ unknown: errMsg(e) })) });
      return NOW;
    case 'check-blockers': {
      // Fail closed: a blocker that throws blocks, with the reason.
      const results = await Promise.all(
        blockers.map(async (b) => {
          try {
            const r = await b.check();
            return r.blocked ? { name: b.name, reason: r.reason } : undefined;
          } catch (e) {
            return { name: b.name, reason: `cannot evaluate: ${errMsg(e)}` };
          }
        }),
      );
      x.see({ kind: 'blockers', at: clock.now(), value: results.filter((r) => r !== undefined) });
      return NOW;
    }
    case 'precheck': {
      // An error propagates: no precheck result means no lock (the loop backs off and retries).
      const value = await drain.precheck(config.drain);
      x.see({ kind: 'precheck', at: clock.now(), value });
      return NOW;
    }
    case 'check-health': {
      let value: NonNullable<Facts['health']>['value'];
      try {
        value = healthGate ? await healthGate.check() : { healthy: false, reason: 'health gate enabled but not available' };
      } catch (e) {
        value = { healthy: false, reason: `cannot evaluate the health gate: ${errMsg(e)}` };
      }
      x.see({ kind: 'health', at: clock.now(), value });
      return NOW;
    }
    case 'acquire': {
      const n = x.current().node!;
      const r = await lock.tryAcquire({ wasUnschedulable: n.unschedulable && !n.cordonedByUs, bootIdBefore: n.bootId, forced: a.forced }, a.foreign);
      if (!r.ok) {
        // Published: the summary (who holds the slots), never the live detail or the queue position.
        const reason = r.summary ?? r.reason;
        if (x.current().acquireFailure?.value.reason !== reason) log.info('no lock slot free', { reason: r.reason, position: r.position });
        // Behind the front: more waiters ahead than cluster slots (the markers' order).
        const behind = r.position !== undefined && r.position > config.concurrency;
        x.see({ kind: 'no-slot', at: clock.now(), reason, behind });
        return NOW;
      }
      x.see({ kind: 'acquired', lock: r.lock });
      x.deps.metrics?.setLockHeld(true);
      log.info('lock acquired', { leases: r.lock.leases, forced: a.forced });
      // A stale slot taken over is news for the operator: the old holder may be left cordoned.
      // Events and notifications on the way to the reboot are not waited for (they catch their own
      // errors): a slow Events API or webhook (up to its 10 s timeout) must not hold a lock slot
      // idle. Only those right before the reboot are, so they leave before the host goes down.
      for (const rec of r.recovered ?? []) void say.event('Warning', 'LockRecovered', `took over lock slot ${rec.lease} from ${rec.holder || 'an unknown holder'}: ${rec.why}`);
      void say.event('Normal', 'LockAcquired', `lock ${r.lock.leases.join(', ')} acquired${a.forced ? ' (forced reboot)' : ''}`);
      return NOW;
    }
    case 'cordon': {
      const held = heldNow(x)!;
      if (held.lost) return NOW;
      if (Object.keys(config.preRebootLabels).length) await node.setLabels(config.preRebootLabels);
      // False when the node was cordoned already: by a person (whose cordon nodemend keeps and
      // never claims), or by this agent before a restart (the Event was recorded then).
      const cordoned = await node.cordon();
      // Lost while cordoning: decide again (it cancels, and uncordons what we cordoned).
      if (!(await advance(x, held, 'cordoned'))) return NOW;
      if (cordoned) void say.event('Normal', 'Cordoned', 'cordoned by nodemend; draining');
      void say.notify('drain', dec.reason);
      return at(clock.now() + SETTLE_MS);
    }
    case 'drain':
      return runDrain(x, heldNow(x)!, signal, cancel);
    case 'reboot': {
      // The stage must be stored before the node goes down: it is how the next boot resumes. The
      // write is a compare-and-swap on every held Lease, so a lost lock never reaches host.reboot().
      if (!(await advance(x, heldNow(x)!, 'rebooting'))) return NOW;
      const held = heldNow(x)!;
      const n = x.current().node!;
      x.see({ kind: 'reboot-issued', at: clock.now() });
      await say.publish({ ...dec, phase: 'rebooting' }, n, held, clock.now());
      await say.event('Normal', 'Rebooting', `rebooting (boot ID ${n.bootId})`);
      await say.notify('reboot', dec.reason);
      await say.settle(SETTLE_EVENTS_MS);
      try {
        await host.reboot();
      } catch (e) {
        log.error('the reboot command failed', { error: errMsg(e) });
        await say.event('Warning', 'RebootCommandFailed', `the reboot could not be issued: ${errMsg(e)}; retried after --reboot-verify-timeout`);
      }
      return NOW;
    }
    case 'check-kured-cordon': {
      // An error propagates: nothing is undone without fresh facts (the loop backs off and retries).
      const value = await x.deps.kured!.gather();
      const prev = x.current().kuredCordon?.value;
      x.see({ kind: 'kured-cordon', at: clock.now(), value });
      const v = kuredAdoption(kuredEntry(x.current().kured, config.nodeId), value);
      if (!v.adopt && JSON.stringify(prev) !== JSON.stringify(value)) log.info("Kured's lock names this cordoned node; not uncordoning it", { why: v.why, cordonManagers: value.cordonManagers, kuredPods: value.kuredPods });
      return NOW;
    }
    case 'adopt-kured-cordon': {
      const done = await x.deps.kured!.adopt(a.resourceVersion);
      // Either way the facts are gathered again: a changed Node (409) is judged afresh.
      x.see({ kind: 'kured-cordon-stale' });
      if (done) {
        log.info('uncordoned a node Kured left cordoned', { reason: dec.reason });
        void say.event('Normal', 'Uncordoned', `uncordoned by nodemend: ${dec.reason.replace(/^uncordoning: /, '')}`);
      }
      return at(clock.now() + SETTLE_MS);
    }
    case 'uncordon':
      // The cache may still show the cordon a finish already undid: an Event only for a real change.
      if (await node.uncordon()) void say.event('Normal', 'Uncordoned', 'uncordoned by nodemend');
      return at(clock.now() + SETTLE_MS);
    case 'finish':
      return finish(x, dec, heldNow(x)!, a);
  }
}

function heldNow(x: Exec): HeldLock | undefined {
  const l = x.current().lock;
  return l.read ? l.held : undefined;
}

/** Records the next stage in the Lease(s). False when the lock is lost (nothing advanced). */
async function advance(x: Exec, held: HeldLock, stage: HeldLock['stage']): Promise<boolean> {
  // The freshest view: a slot lost since `held` was read is no longer in it.
  const cur = heldNow(x) ?? held;
  if (cur.lost || cur.acquiredAt !== held.acquiredAt) return false;
  const next: HeldLock = { ...cur, stage, stageAt: x.deps.clock.now() };
  try {
    await x.deps.lock.update(next);
  } catch (e) {
    // The runtime heard of it through onLost; a port without onLost is told here.
    if (e instanceof LockLostError) {
      x.see({ kind: 'lock-lost', ...e.lost });
      return false;
    }
    throw e;
  }
  if (heldNow(x)?.lost) return false;
  x.see({ kind: 'advanced', lock: next });
  return true;
}

async function runDrain(x: Exec, held: HeldLock, signal: AbortSignal, cancel?: AbortSignal): Promise<Next> {
  const { drain, clock, config, metrics, log } = x.deps;
  const say = x.announcer;
  // Stopped while this step announced "draining": an AbortController made now would never be
  // aborted (an aborted signal fires no more 'abort' events), and the stop would wait forever.
  if (signal.aborted || cancel?.aborted) return NOW;
  const started = clock.now();
  const stop = AbortSignal.any(cancel ? [signal, cancel] : [signal]);
  const seenPdbs = new Set<string>();
  let lastPublish = 0;
  try {
    const result = await drain.drain(
      config.drain,
      (p) => {
        say.drain = { ...p, startedAt: new Date(started).toISOString() };
        for (const b of p.blocked) {
          const key = b.pdb ?? b.reason;
          if (seenPdbs.has(key)) continue;
          seenPdbs.add(key);
          void say.event('Warning', 'EvictionBlocked', `eviction of pod ${b.pod} refused${b.pdb ? ` by PodDisruptionBudget ${b.pdb}` : ''}: ${b.reason}`);
        }
        // Progress is published at most every 2 s: every watcher of Nodes sees each write.
        const last = x.last();
        const n = x.current().node;
        if (clock.now() - lastPublish >= 2000 && last && n) {
          lastPublish = clock.now();
          void say.publish(last, n, heldNow(x) ?? held, clock.now());
        }
      },
      stop,
    );
    metrics?.observeDrain((clock.now() - started) / 1000, result.ok);
    if (signal.aborted) return NOW;
    if (result.ok) {
      if (!(await advance(x, held, 'drained'))) return NOW;
      log.info('drained', { seconds: Math.round((clock.now() - started) / 1000) });
      void say.event('Normal', 'Drained', `drained in ${Math.round((clock.now() - started) / 1000)}s`);
    } else {
      x.see({ kind: 'drain-failed', at: clock.now(), result });
      log.warn('drain failed', { reason: result.reason, blocked: result.blocked });
    }
    return NOW;
  } finally {
    say.drain = undefined;
  }
}

async function finish(x: Exec, dec: Decision, held: HeldLock, a: Finish): Promise<Next> {
  const { node, lock, clock, config, metrics, log } = x.deps;
  const say = x.announcer;
  if (x.finishing?.acquiredAt !== held.acquiredAt) x.finishing = { acquiredAt: held.acquiredAt, done: new Set() };
  const done = x.finishing.done;
  const once = async (step: string, fn: () => Promise<void>) => {
    if (done.has(step)) return;
    await fn();
    done.add(step);
  };
  const n = () => x.current().node;
  // Order matters: the node is back in service before the lock lets the next one go.
  if (held.stage !== 'acquired' || n()?.cordonedByUs) {
    await once('uncordon', async () => {
      if (await node.uncordon()) void say.event('Normal', 'Uncordoned', 'uncordoned by nodemend');
    });
  }
  if (a.postLabels && Object.keys(config.postRebootLabels).length) await once('labels', () => node.setLabels(config.postRebootLabels));
  if (a.record) await once('history', () => node.appendHistory(a.record!));
  if (a.clear.length) await once('clear', () => node.clearRequests(a.clear));
  // The outcome is published before the slots go, so no node is ever seen disrupted without a
  // slot (finding 5). A failed publish is logged (by publish) and never holds the release back.
  if (n()) await once('publish', () => say.publish(outcomeState(dec, a), n()!, held, clock.now()));
  await once('release', () => lock.release(held));
  x.finishing = undefined;
  const now = clock.now();
  x.see({ kind: 'released', at: now, outcome: a.outcome, reason: a.reason, dryRun: a.dryRun === true });
  metrics?.setLockHeld(false);
  if (a.record) metrics?.reboot(a.outcome);
  log.info('lock released', { outcome: a.outcome, reason: a.reason });
  // A restart mid-finish repeats it: the attempt's Events are keyed like its history record (its
  // start and boot IDs), so the repeat records none of them again.
  const attempt = a.record ? JSON.stringify([a.record.start, a.record.bootIdBefore ?? '', a.record.bootIdAfter ?? '']) : undefined;
  const key = (reason: string) => (attempt === undefined ? undefined : `${reason} ${attempt}`);
  if (a.dryRun) {
    // Which pods the drain would evict, from the real pod list: what an operator checks a dry
    // run for. A failed look does not fail the rehearsal; it says so.
    const plan = await (x.deps.drain.rehearse?.(config.drain) ?? Promise.resolve('')).catch((e: unknown) => `could not list the pods to evict: ${errMsg(e)}`);
    if (plan) log.info('dry run: the drain', { plan });
    await say.event('Normal', 'DryRun', plan ? `${a.reason}; ${plan}` : a.reason);
  } else if (a.outcome === 'succeeded') {
    await say.event('Normal', 'RebootSucceeded', a.reason, key('RebootSucceeded'));
    await say.notify('uncordon', a.reason);
  } else if (a.outcome === 'failed') {
    // The one RebootFailed Event of this failure (entering the phase 'failed' records none).
    await say.event('Warning', 'RebootFailed', a.reason, key('RebootFailed'));
    await say.notify('failure', a.reason);
  } else {
    await say.event('Normal', 'RebootCancelled', a.reason, key('RebootCancelled'));
  }
  // A lost slot is not ours to release: only the rest is (maybe nothing).
  if (held.leases.length) await say.event('Normal', 'LockReleased', `lock ${held.leases.join(', ')} released (${a.outcome})`, key('LockReleased'));
  return held.stage !== 'acquired' ? at(now + SETTLE_MS) : NOW;
}

/** The state to publish for a finished attempt: its outcome, as the node will be once released. */
function outcomeState(dec: Decision, a: Finish): Decision {
  const phase = a.outcome === 'succeeded' ? 'healthy' : a.outcome === 'failed' ? 'failed' : dec.rebootRequired ? 'reboot-required' : 'healthy';
  return { ...dec, phase, reason: a.reason };
}

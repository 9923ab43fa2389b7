// Carries out one decided action through the ports and records what it learned in the facts.
// Returns when the loop should wake next (undefined = decide again at once). Every mutation is
// idempotent or guarded, so a step retried after an error (or after a restart) is safe.

import type { Decision, Finish } from '../core/types.ts';
import { LockLostError, type HeldLock } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import type { AgentRuntime } from './agent.ts';
import { kuredAdoption, kuredEntry } from '../lock/kured.ts';

/** After a write to the Node, give the informer this long to deliver it before deciding again. */
const SETTLE_MS = 2000;
/** How long the reboot waits for Events still on their way (an Events API that hangs is not waited for longer). */
const SETTLE_EVENTS_MS = 10_000;

export async function execute(rt: AgentRuntime, dec: Decision, signal: AbortSignal): Promise<number | undefined> {
  const { node, lock, drain, host, clock, config, log, metrics, blockers, healthGate } = rt.deps;
  const f = rt.facts;
  const say = rt.announcer;
  const a = dec.action;
  switch (a.kind) {
    case 'wait':
      return a.until ?? Infinity;
    case 'check-sentinel':
      // The loop checks the sentinel before deciding; asking again means that check has not run.
      f.sentinel = await host.checkSentinel().catch((e: unknown) => ({ unknown: errMsg(e) }));
      return undefined;
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
      f.blockers = { at: clock.now(), value: results.filter((r) => r !== undefined) };
      return undefined;
    }
    case 'precheck':
      // An error propagates: no precheck result means no lock (the loop backs off and retries).
      f.precheck = { at: clock.now(), value: await drain.precheck(config.drain) };
      return undefined;
    case 'check-health': {
      let value: NonNullable<typeof f.health>['value'];
      try {
        value = healthGate ? await healthGate.check() : { healthy: false, reason: 'health gate enabled but not available' };
      } catch (e) {
        value = { healthy: false, reason: `cannot evaluate the health gate: ${errMsg(e)}` };
      }
      f.health = { at: clock.now(), value };
      return undefined;
    }
    case 'acquire': {
      const n = f.node!;
      const r = await lock.tryAcquire({ wasUnschedulable: n.unschedulable && !n.cordonedByUs, bootIdBefore: n.bootId, forced: a.forced }, a.foreign);
      if (!r.ok) {
        // Published: the summary (who holds the slots), never the live detail or the queue position.
        const reason = r.summary ?? r.reason;
        if (f.acquireFailure?.value.reason !== reason) log.info('no lock slot free', { reason: r.reason, position: r.position });
        // Behind the front: more waiters ahead than cluster slots (the markers' order).
        const behind = r.position !== undefined && r.position > config.concurrency;
        f.acquireFailure = { at: clock.now(), value: { reason, ...(behind ? { behind } : {}) } };
        return undefined;
      }
      f.lock = { read: true, held: r.lock };
      delete f.acquireFailure;
      delete f.drain;
      metrics?.setLockHeld(true);
      log.info('lock acquired', { leases: r.lock.leases, forced: a.forced });
      // A stale slot taken over is news for the operator: the old holder may be left cordoned.
      // Events and notifications on the way to the reboot are not waited for (they catch their own
      // errors): a slow Events API or webhook (up to its 10 s timeout) must not hold a lock slot
      // idle. Only those right before the reboot are, so they leave before the host goes down.
      for (const rec of r.recovered ?? []) void say.event('Warning', 'LockRecovered', `took over lock slot ${rec.lease} from ${rec.holder || 'an unknown holder'}: ${rec.why}`);
      void say.event('Normal', 'LockAcquired', `lock ${r.lock.leases.join(', ')} acquired${a.forced ? ' (forced reboot)' : ''}`);
      return undefined;
    }
    case 'cordon': {
      const held = rt.held()!;
      if (held.lost) return undefined;
      if (Object.keys(config.preRebootLabels).length) await node.setLabels(config.preRebootLabels);
      // False when the node was cordoned already: by a person (whose cordon nodemend keeps and
      // never claims), or by this agent before a restart (the Event was recorded then).
      const cordoned = await node.cordon();
      // Lost while cordoning: decide again (it cancels, and uncordons what we cordoned).
      if (!(await advance(rt, held, 'cordoned'))) return undefined;
      if (cordoned) void say.event('Normal', 'Cordoned', 'cordoned by nodemend; draining');
      void say.notify('drain', dec.reason);
      return clock.now() + SETTLE_MS;
    }
    case 'drain':
      return runDrain(rt, rt.held()!, signal);
    case 'reboot': {
      // The stage must be stored before the node goes down: it is how the next boot resumes. The
      // write is a compare-and-swap on every held Lease, so a lost lock never reaches host.reboot().
      if (!(await advance(rt, rt.held()!, 'rebooting'))) return undefined;
      const held = rt.held()!;
      f.rebootIssuedAt = clock.now();
      await say.publish({ ...dec, phase: 'rebooting' }, f.node!, held, clock.now());
      await say.event('Normal', 'Rebooting', `rebooting (boot ID ${f.node!.bootId})`);
      await say.notify('reboot', dec.reason);
      await say.settle(SETTLE_EVENTS_MS);
      try {
        await host.reboot();
      } catch (e) {
        log.error('the reboot command failed', { error: errMsg(e) });
        await say.event('Warning', 'RebootCommandFailed', `the reboot could not be issued: ${errMsg(e)}; retried after --reboot-verify-timeout`);
      }
      return undefined;
    }
    case 'check-kured-cordon': {
      // An error propagates: nothing is undone without fresh facts (the loop backs off and retries).
      const value = await rt.deps.kured!.gather();
      const prev = f.kuredCordon?.value;
      f.kuredCordon = { at: clock.now(), value };
      const v = kuredAdoption(kuredEntry(f.kured, config.nodeId), value);
      if (!v.adopt && JSON.stringify(prev) !== JSON.stringify(value)) log.info("Kured's lock names this cordoned node; not uncordoning it", { why: v.why, cordonManagers: value.cordonManagers, kuredPods: value.kuredPods });
      return undefined;
    }
    case 'adopt-kured-cordon': {
      const done = await rt.deps.kured!.adopt(a.resourceVersion);
      // Either way the facts are gathered again: a changed Node (409) is judged afresh.
      delete f.kuredCordon;
      if (done) {
        log.info("uncordoned a node Kured left cordoned", { reason: dec.reason });
        void say.event('Normal', 'Uncordoned', `uncordoned by nodemend: ${dec.reason.replace(/^uncordoning: /, '')}`);
      }
      return clock.now() + SETTLE_MS;
    }
    case 'uncordon':
      // The cache may still show the cordon a finish already undid: an Event only for a real change.
      if (await node.uncordon()) void say.event('Normal', 'Uncordoned', 'uncordoned by nodemend');
      return clock.now() + SETTLE_MS;
    case 'finish':
      return finish(rt, dec, rt.held()!, a);
  }
}

/** Records the next stage in the Lease(s). False when the lock is lost (nothing advanced). */
async function advance(rt: AgentRuntime, held: HeldLock, stage: HeldLock['stage']): Promise<boolean> {
  // The freshest view: a slot lost since `held` was read is no longer in it.
  const cur = rt.held() ?? held;
  if (cur.lost || cur.acquiredAt !== held.acquiredAt) return false;
  const next: HeldLock = { ...cur, stage, stageAt: rt.deps.clock.now() };
  try {
    await rt.deps.lock.update(next);
  } catch (e) {
    // The runtime heard of it through onLost; a port without onLost is told here.
    if (e instanceof LockLostError) {
      rt.lockLost(e.lost);
      return false;
    }
    throw e;
  }
  if (rt.held()?.lost) return false;
  rt.facts.lock = { read: true, held: next };
  return true;
}

async function runDrain(rt: AgentRuntime, held: HeldLock, signal: AbortSignal): Promise<number | undefined> {
  const { drain, clock, config, metrics, log } = rt.deps;
  const say = rt.announcer;
  // Stopped while this step announced "draining": an AbortController made now would never be
  // aborted (an aborted signal fires no more 'abort' events), and the stop would wait forever.
  if (signal.aborted) return undefined;
  const started = clock.now();
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  rt.drainStarted(ac);
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
        if (clock.now() - lastPublish >= 2000 && rt.last && rt.facts.node) {
          lastPublish = clock.now();
          void say.publish(rt.last, rt.facts.node, rt.held() ?? held, clock.now());
        }
      },
      ac.signal,
    );
    metrics?.observeDrain((clock.now() - started) / 1000, result.ok);
    if (signal.aborted) return undefined;
    if (result.ok) {
      if (!(await advance(rt, held, 'drained'))) return undefined;
      log.info('drained', { seconds: Math.round((clock.now() - started) / 1000) });
      void say.event('Normal', 'Drained', `drained in ${Math.round((clock.now() - started) / 1000)}s`);
    } else {
      rt.facts.drain = { at: clock.now(), value: result };
      log.warn('drain failed', { reason: result.reason, blocked: result.blocked });
    }
    return undefined;
  } finally {
    signal.removeEventListener('abort', onAbort);
    rt.drainAbort = undefined;
    say.drain = undefined;
  }
}

async function finish(rt: AgentRuntime, dec: Decision, held: HeldLock, a: Finish): Promise<number | undefined> {
  const { node, lock, clock, config, metrics, log } = rt.deps;
  const f = rt.facts;
  const say = rt.announcer;
  if (rt.finishing?.acquiredAt !== held.acquiredAt) rt.finishing = { acquiredAt: held.acquiredAt, done: new Set() };
  const done = rt.finishing.done;
  const once = async (step: string, fn: () => Promise<void>) => {
    if (done.has(step)) return;
    await fn();
    done.add(step);
  };
  // Order matters: the node is back in service before the lock lets the next one go.
  if (held.stage !== 'acquired' || f.node?.cordonedByUs) {
    await once('uncordon', async () => {
      if (await node.uncordon()) void say.event('Normal', 'Uncordoned', 'uncordoned by nodemend');
    });
  }
  if (a.postLabels && Object.keys(config.postRebootLabels).length) await once('labels', () => node.setLabels(config.postRebootLabels));
  if (a.record) await once('history', () => node.appendHistory(a.record!));
  if (a.clear.length) await once('clear', () => node.clearRequests(a.clear));
  // The outcome is published before the slots go, so no node is ever seen disrupted without a
  // slot (finding 5). A failed publish is logged (by publish) and never holds the release back.
  if (f.node) await once('publish', () => say.publish(outcomeState(dec, a), f.node!, held, clock.now()));
  await once('release', () => lock.release(held));
  rt.finishing = undefined;
  const now = clock.now();
  f.lock = { read: true };
  f.marks = {};
  delete f.drain;
  delete f.health;
  delete f.rebootIssuedAt;
  delete f.precheck;
  metrics?.setLockHeld(false);
  if (a.record) metrics?.reboot(a.outcome);
  log.info('lock released', { outcome: a.outcome, reason: a.reason });
  if (a.dryRun) {
    f.dryRunAt = now;
    // Which pods the drain would evict, from the real pod list: what an operator checks a dry
    // run for. A failed look does not fail the rehearsal; it says so.
    const plan = await (rt.deps.drain.rehearse?.(config.drain) ?? Promise.resolve('')).catch((e: unknown) => `could not list the pods to evict: ${errMsg(e)}`);
    if (plan) log.info('dry run: the drain', { plan });
    await say.event('Normal', 'DryRun', plan ? `${a.reason}; ${plan}` : a.reason);
  } else if (a.outcome === 'succeeded') {
    await say.event('Normal', 'RebootSucceeded', a.reason);
    await say.notify('uncordon', a.reason);
  } else if (a.outcome === 'failed') {
    f.lastFailure = { at: now, value: a.reason };
    // The one RebootFailed Event of this failure (entering the phase 'failed' records none).
    await say.event('Warning', 'RebootFailed', a.reason);
    await say.notify('failure', a.reason);
  } else {
    await say.event('Normal', 'RebootCancelled', a.reason);
  }
  // A lost slot is not ours to release: only the rest is (maybe nothing).
  if (held.leases.length) await say.event('Normal', 'LockReleased', `lock ${held.leases.join(', ')} released (${a.outcome})`);
  return held.stage !== 'acquired' ? now + SETTLE_MS : undefined;
}

/** The state to publish for a finished attempt: its outcome, as the node will be once released. */
function outcomeState(dec: Decision, a: Finish): Decision {
  const phase = a.outcome === 'succeeded' ? 'healthy' : a.outcome === 'failed' ? 'failed' : dec.rebootRequired ? 'reboot-required' : 'healthy';
  return { ...dec, phase, reason: a.reason };
}

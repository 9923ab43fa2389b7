// The pure decision core: decide(facts, config, now) -> the next action and the phase and reason
// to publish. Kured's loop order, fixed and made explicit:
//   holding a lock (found at start-up or taken earlier)  -> holding.ts: resume by stage
//   our own cordon left without a lock                    -> uncordon (never leave a node cordoned)
//   a cordon Kured left on this node (cutover)            -> uncordon when lock/kured.ts allows it
//   manual block (node, then cluster)                     -> blocked; wins even over force-reboot
//   nothing needed                                        -> healthy (or scheduled for reboot-after)
//   recent failure                                        -> wait out the back-off
//   not forced: window closed (unless an urgent condition), automatic blocker -> waiting-window / blocked, no lock taken
//   drain precheck finds a PodDisruptionBudget deadlock   -> blocked, no lock taken
//   Kured's lock unreadable (cutover)                     -> blocked, no lock taken (fail closed)
//   otherwise                                             -> acquire a lock slot (waiting-lock),
//                                                            Kured's holders counting as taken slots
// Facts older than --period are re-gathered first (check-* actions): blockers fail closed
// because a blocker that cannot be evaluated reports itself as blocking.

import { windowState } from '../schedule/window.ts';
import { kuredAdoption, kuredEntry, kuredSlotCheck } from '../lock/kured.ts';
import { blockerKinds, blockerText, context, decision, iso, pdbText, wait, why, type Ctx } from './context.ts';
import { holding } from './holding.ts';
import type { CoreConfig, Decision, Facts } from './types.ts';

export function decide(f: Facts, cfg: CoreConfig, now: number): Decision {
  if (!f.node) {
    return { action: wait(), phase: 'unknown', reason: 'waiting for this node to appear in the informer cache', rebootRequired: false, forced: false, waiting: false, warnings: [], blockedBy: [] };
  }
  const c = context(f, cfg, now, f.node);
  if (!f.lock.read) return decision(c, 'unknown', `reading this node's lock${f.lock.error ? ` failed: ${f.lock.error}; retrying` : ''}`, wait());
  if (f.lock.held) return holding(c, f.lock.held);
  return idle(c);
}

function idle(c: Ctx): Decision {
  const { f, cfg, now, node } = c;
  if (node.cordonedByUs) {
    return decision(c, 'verifying', 'uncordoning: nodemend cordoned this node but holds no lock (an interrupted run)', { kind: 'uncordon' });
  }
  const adopt = kuredCordon(c);
  if (adopt) return adopt;
  if (f.sentinel === undefined) return decision(c, 'unknown', 'checking whether a reboot is needed', { kind: 'check-sentinel' });
  if (c.manual) {
    const extra = c.required ? ` (pending: ${why(c)})` : '';
    return decision(c, 'blocked', c.manual.text + extra, wait(c.manual.until), { blockedBy: [c.manual.kind] });
  }
  if (!c.required) {
    if (c.rebootAfter !== undefined) return decision(c, 'scheduled', `reboot requested at or after ${iso(c.rebootAfter)}`, wait(c.rebootAfter));
    if ('unknown' in f.sentinel) return decision(c, 'unknown', `cannot tell whether a reboot is needed: ${f.sentinel.unknown}`, wait(), { blockedBy: ['sentinel-unknown'] });
    return decision(c, 'healthy', 'no reboot needed', wait());
  }
  if (f.lastFailure && now < f.lastFailure.at + cfg.periodMs) {
    const at = f.lastFailure.at + cfg.periodMs;
    return decision(c, 'failed', `${f.lastFailure.value}; retrying at ${iso(at)}`, wait(at));
  }
  if (cfg.dryRun && f.dryRunAt !== undefined && now < f.dryRunAt + cfg.periodMs) {
    const at = f.dryRunAt + cfg.periodMs;
    return decision(c, 'reboot-required', `dry run: rehearsed at ${iso(f.dryRunAt)} (would have cordoned, drained and rebooted); next rehearsal at ${iso(at)}`, wait(at));
  }
  let windowCloses: number | undefined;
  if (!c.windowFree) {
    const w = windowState(cfg.windows, now);
    if (!w.open) {
      const reason = w.opensAt === undefined ? 'outside every reboot window, and none opens again' : `outside the reboot window; next opens ${iso(w.opensAt)}`;
      return decision(c, 'waiting-window', `${reason} (${why(c)})`, wait(w.opensAt), { blockedBy: ['window'], ...(w.opensAt === undefined ? {} : { nextWindow: w.opensAt }) });
    }
    windowCloses = w.closesAt;
  }
  if (!c.forcedReq) {
    if (!f.blockers || f.blockers.at + cfg.periodMs <= now) return decision(c, 'reboot-required', `${why(c)}; checking blockers`, { kind: 'check-blockers' });
    if (f.blockers.value.length) {
      return decision(c, 'blocked', `blocked: ${blockerText(f.blockers.value)}`, wait(f.blockers.at + cfg.periodMs), { blockedBy: blockerKinds(f.blockers.value) });
    }
  }
  const extra = windowCloses === undefined ? {} : { windowCloses };
  if (cfg.drainPrecheck && !cfg.forceReboot) {
    // Quiet waiters: a node behind the front of the queue keeps its last answer until it reaches
    // the front (every waiter listing every pod each period cost O(N) per period). Safe: the
    // holder prechecks again once it has the lock (holding.ts), before any cordon.
    const behind = f.acquireFailure?.value.behind === true;
    if (!f.precheck || (f.precheck.at + cfg.periodMs <= now && !behind)) return decision(c, 'reboot-required', `${why(c)}; checking that the drain can finish`, { kind: 'precheck' }, extra);
    if (f.precheck.value.length) {
      return decision(c, 'blocked', `drain would be refused, so no lock is taken: ${pdbText(f.precheck.value)}`, wait(f.precheck.at + cfg.periodMs), { ...extra, blockedBy: ['pdb'], pdbs: [...new Set(f.precheck.value.map((b) => b.pdb))].sort() });
    }
  }
  const forced = c.forcedReq ? ' (forced: window and automatic blockers ignored)' : '';
  // Kured's lock, during a cutover: its holders take slots too; unreadable, it takes them all.
  const k = kuredSlotCheck(f.kured, node.name, now);
  if (!k.ok) return decision(c, 'blocked', `no lock slot taken: ${k.reason}`, wait(), { ...extra, blockedBy: ['other'] });
  const foreign = k.holders.length ? { foreign: { what: `Kured's lock on ${k.where}`, nodes: k.holders } } : {};
  const acquire = { kind: 'acquire', forced: c.forcedReq, ...foreign } as const;
  if (f.acquireFailure) {
    // The published reason stays the same while waiting, retries included: it changes only when
    // the holders change. The queue position is the hub's to show (from the waiting markers).
    const a = f.acquireFailure;
    const reason = `waiting for a lock slot${forced}: ${a.value.reason}`;
    const at = Math.min(a.at + cfg.periodMs, a.value.retryAt ?? Infinity);
    if (now < at) return decision(c, 'waiting-lock', reason, wait(at), { ...extra, waiting: true });
    return decision(c, 'waiting-lock', reason, acquire, { ...extra, waiting: true });
  }
  return decision(c, 'waiting-lock', `${why(c)}; requesting a lock slot${forced}`, acquire, { ...extra, waiting: true });
}

/**
 * A cordon Kured left on this node (cutover from Kured): gathered fresh each period while Kured's
 * lock names the cordoned node, undone only when kuredAdoption allows it. Otherwise the normal
 * path goes on, and the cordon stays (a later reboot by nodemend keeps it too: it was not ours).
 */
function kuredCordon(c: Ctx): Decision | undefined {
  const { f, cfg, now, node } = c;
  const e = kuredEntry(f.kured, node.name);
  // Cheap checks from the caches first: most nodes never need the fresh reads.
  if (!e || !node.unschedulable || e.wasUnschedulable !== false) return undefined;
  const g = f.kuredCordon;
  if (!g || g.at + cfg.periodMs <= now) return decision(c, 'verifying', "checking whether Kured left this node cordoned (Kured's lock names it)", { kind: 'check-kured-cordon' });
  const v = kuredAdoption(e, g.value);
  if (!v.adopt) return undefined;
  return decision(c, 'verifying', `uncordoning: ${v.why}`, { kind: 'adopt-kured-cordon', resourceVersion: g.value.resourceVersion });
}

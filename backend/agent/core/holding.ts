// The lock-holding path of decide(): resume by the stage recorded in the Lease, so an agent that
// restarts (or a fresh agent after the reboot) continues instead of starting over.
//   acquired  -> (drain delay) -> precheck -> cordon           (dry run: rehearse and release)
//   cordoned  -> drain          (failure: release + uncordon + report, unless --force-reboot)
//   drained   -> window and blockers again unless forced -> (reboot delay) -> reboot
//   rebooting -> boot ID changed? -> Ready -> uncordon if ours -> health gate -> (release delay)
//                -> post labels, history, clear requests, release
// Before the reboot, a manual block or a withdrawn request cancels: uncordon and release.
// A lost lock (a slot taken over by another node) fails the run before the reboot: uncordon if
// ours, release what is left, never reboot. After the reboot, verification may finish.

import { A } from '../../../protocol/annotations.ts';
import type { RebootOutcome, RebootRecord } from '../../../protocol/model.ts';
import type { HeldLock } from '../ports.ts';
import { windowState } from '../schedule/window.ts';
import { blockerText, decision, dur, iso, marks, pdbText, wait, why, type Ctx } from './context.ts';
import type { Decision, Finish } from './types.ts';

export function holding(c: Ctx, held: HeldLock): Decision {
  if (held.stage === 'rebooting') return afterReboot(c, held);
  const { f, cfg, now } = c;
  if (held.lost) return finish(c, held, 'failed', `lock lost: ${held.lost.reason}; reboot cancelled, the remaining slots are released`);
  if (c.manual) return finish(c, held, 'cancelled', `reboot cancelled before it started: ${c.manual.text}`);
  if (c.sentinelNo && !c.forcedReq && !c.due) {
    const what = held.forced ? 'the force-reboot request was removed' : 'nothing asks for it any more (no sentinel, no due request)';
    return finish(c, held, 'cancelled', `reboot cancelled before it started: ${what}`);
  }
  if (held.stage === 'cordoned' && f.drain && f.drain.at >= held.stageAt && !f.drain.value.ok) {
    const d = f.drain.value;
    const text = `drain failed: ${d.reason}${d.blocked.length ? `; ${pdbText(d.blocked)}` : ''}`;
    if (!cfg.forceReboot) return finish(c, held, 'failed', text);
    return beforeReboot(c, held, `${text}; rebooting anyway (--force-reboot)`);
  }
  if (held.stage === 'acquired') {
    if (!c.windowFree) {
      const w = windowState(cfg.windows, now);
      if (!w.open) return finish(c, held, 'cancelled', `the reboot window closed before cordoning${w.opensAt ? `; next opens ${iso(w.opensAt)}` : ''}`);
    }
    if (now < held.acquiredAt + cfg.drainDelayMs) {
      const at = held.acquiredAt + cfg.drainDelayMs;
      return decision(c, 'draining', `lock acquired; cordon and drain at ${iso(at)} (--drain-delay)`, wait(at));
    }
    if (cfg.drainPrecheck && !cfg.forceReboot) {
      if (!f.precheck || f.precheck.at < held.acquiredAt) return decision(c, 'draining', 'lock acquired; checking that the drain can finish', { kind: 'precheck' });
      if (f.precheck.value.length) return finish(c, held, 'cancelled', `drain would be refused, lock released: ${pdbText(f.precheck.value)}`);
    }
    if (cfg.dryRun) {
      return finish(c, held, 'cancelled', `dry run: would cordon ${c.node.name}, drain it and reboot now (${why(c)})`, { dryRun: true });
    }
    return decision(c, 'draining', `lock acquired (${why(c)}); cordoning`, { kind: 'cordon' });
  }
  if (held.stage === 'cordoned') return decision(c, 'draining', `draining (${why(c)})`, { kind: 'drain' });
  return beforeReboot(c, held);
}

/** Drained: the last gate before the node goes down. */
function beforeReboot(c: Ctx, held: HeldLock, note?: string): Decision {
  const { f, cfg, now } = c;
  const prefix = note ? `${note}; ` : '';
  if (!c.windowFree) {
    const w = windowState(cfg.windows, now);
    if (!w.open) return finish(c, held, 'cancelled', `${prefix}the reboot window closed before the reboot${w.opensAt ? `; next opens ${iso(w.opensAt)}` : ''}`);
  }
  if (!c.forcedReq) {
    if (!f.blockers || f.blockers.at < held.stageAt) return decision(c, 'draining', `${prefix}drained; checking blockers before the reboot`, { kind: 'check-blockers' });
    if (f.blockers.value.length) return finish(c, held, 'cancelled', `${prefix}blocked before the reboot: ${blockerText(f.blockers.value)}`);
  }
  if (now < held.stageAt + cfg.rebootDelayMs) {
    const at = held.stageAt + cfg.rebootDelayMs;
    return decision(c, 'draining', `${prefix}drained; rebooting at ${iso(at)} (--reboot-delay)`, wait(at));
  }
  return decision(c, 'rebooting', `${prefix}rebooting (${why(c) || 'reboot was under way'})`, { kind: 'reboot' });
}

function afterReboot(c: Ctx, held: HeldLock): Decision {
  const { f, cfg, now, node } = c;
  // No boot ID recorded (unreadable Lease): the reboot cannot be verified; recovering is safer
  // than rebooting a second time.
  const rebooted = held.bootIdBefore === '' || node.bootId !== held.bootIdBefore;
  if (!rebooted) {
    const issued = f.rebootIssuedAt ?? held.stageAt;
    const deadline = issued + cfg.rebootVerifyTimeoutMs;
    if (now < deadline) return decision(c, 'rebooting', `reboot issued at ${iso(issued)}; waiting for the node to go down (boot ID ${node.bootId})`, wait(deadline));
    const text = `the reboot did not happen within ${dur(cfg.rebootVerifyTimeoutMs)} (boot ID still ${node.bootId})`;
    if (held.lost) return finish(c, held, 'failed', `${text}; not retried: lock lost: ${held.lost.reason}`);
    if (c.manual) return finish(c, held, 'failed', `${text}; not retried: ${c.manual.text}`);
    if (c.sentinelNo && !c.forcedReq && !c.due) return finish(c, held, 'cancelled', `${text}, and it is no longer needed`);
    return beforeReboot(c, held, `${text}; retrying`);
  }
  const change = held.bootIdBefore ? `boot ID ${held.bootIdBefore} -> ${node.bootId}` : 'boot ID not recorded, reboot assumed';
  if (!node.ready) return decision(c, 'verifying', `rebooted (${change}); waiting for the node to be Ready`, wait());
  // The instants the runtime marks now are published too (readySince, gateSince, releaseSince).
  const readySince = f.marks.ready ?? now;
  const m = { ...marks(c, 'ready'), readySince };
  if (node.cordonedByUs) return decision(c, 'verifying', `rebooted (${change}) and Ready; uncordoning`, { kind: 'uncordon' }, m);
  if (cfg.healthGate) {
    const since = f.marks.gate ?? now;
    const gm = { ...marks(c, 'ready', 'gate'), readySince, gateSince: since };
    const recheck = Math.min(cfg.periodMs, 10_000);
    if (!f.health || f.health.at < since || f.health.at + recheck <= now) return decision(c, 'verifying', `rebooted (${change}); checking the health gate`, { kind: 'check-health' }, gm);
    const h = f.health.value;
    if (!h.healthy) {
      if (now >= since + cfg.healthGateTimeoutMs) return finish(c, held, 'failed', `health gate not met within ${dur(cfg.healthGateTimeoutMs)}: ${h.reason}`);
      return decision(c, 'verifying', `rebooted; holding the lock until healthy: ${h.reason}`, wait(Math.min(f.health.at + recheck, since + cfg.healthGateTimeoutMs)), gm);
    }
  }
  if (cfg.lockReleaseDelayMs > 0) {
    const releaseSince = f.marks.release ?? now;
    const at = releaseSince + cfg.lockReleaseDelayMs;
    if (now < at) return decision(c, 'verifying', `back in service; releasing the lock at ${iso(at)} (--lock-release-delay)`, wait(at), { ...marks(c, 'ready', 'release'), readySince, releaseSince });
  }
  const lost = held.lost ? `; lock lost meanwhile: ${held.lost.reason}` : '';
  return finish(c, held, 'succeeded', `rebooted (${change}) and back in service${lost}`);
}

function finish(c: Ctx, held: HeldLock, outcome: RebootOutcome, reason: string, extra: Partial<Finish> = {}): Decision {
  const disrupted = held.stage !== 'acquired';
  const clear: string[] = [];
  if (outcome === 'succeeded') {
    if (c.forcedReq) clear.push(A.forceReboot);
    if (c.due) clear.push(A.rebootAfter);
  }
  const action: Finish = { kind: 'finish', outcome, reason, clear, postLabels: disrupted, ...extra };
  if (disrupted) action.record = record(c, held, outcome, reason);
  const phase = outcome === 'failed' ? 'failed' : outcome === 'succeeded' ? 'healthy' : 'verifying';
  // A failure is published as one even before anything was disrupted (a lock lost at once).
  return decision(c, disrupted || outcome === 'failed' ? phase : 'reboot-required', reason, action);
}

function record(c: Ctx, held: HeldLock, outcome: RebootOutcome, reason: string): RebootRecord {
  const r: RebootRecord = { start: iso(held.acquiredAt), end: iso(c.now), outcome, reason };
  if (held.forced) r.forced = true;
  if (held.bootIdBefore) r.bootIdBefore = held.bootIdBefore;
  if (held.stage === 'rebooting') {
    // Time from the lock to the reboot command: cordon, drain and the configured delays.
    r.drainMs = Math.max(0, held.stageAt - held.acquiredAt);
    r.bootIdAfter = c.node.bootId;
    const back = c.node.bootId !== held.bootIdBefore && c.node.ready;
    const ready = c.f.marks.ready ?? (back ? c.now : undefined);
    if (ready !== undefined) {
      r.rebootMs = Math.max(0, ready - held.stageAt);
      r.verifyMs = Math.max(0, c.now - ready);
    }
  }
  return r;
}

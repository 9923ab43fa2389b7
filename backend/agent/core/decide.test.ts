import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from './decide.ts';
import type { CoreConfig, Decision, Facts } from './types.ts';
import type { HeldLock, NodeFacts } from '../ports.ts';
import { parseWindow } from '../schedule/parse.ts';
import type { Window } from '../schedule/window.ts';

// Wednesday noon UTC.
const NOW = Date.parse('2026-06-17T12:00:00Z');
const MIN = 60_000;
const w = (s: string): Window => {
  const r = parseWindow('--window', s, 'UTC');
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const ALWAYS = w('00:00-24:00');
const NIGHT = w('22:00-06:00');

const cfg = (o: Partial<CoreConfig> = {}): CoreConfig => ({
  windows: [ALWAYS], periodMs: MIN, drainDelayMs: 0, rebootDelayMs: 0, lockReleaseDelayMs: 0, forceReboot: false, drainPrecheck: true,
  dryRun: false, healthGate: false, healthGateTimeoutMs: 10 * MIN, rebootVerifyTimeoutMs: 10 * MIN, dsNamespace: 'nodemend', dsName: 'nodemend-agent', ...o,
});
const node = (o: Partial<NodeFacts> = {}): NodeFacts => ({ name: 'n1', ready: true, unschedulable: false, cordonedByUs: false, bootId: 'boot-1', labels: {}, annotations: {}, resourceVersion: '1', ...o });
const lock = (o: Partial<HeldLock> = {}): Facts['lock'] => ({
  read: true,
  held: { leases: ['nodemend-lock-0'], acquiredAt: NOW - 5 * MIN, wasUnschedulable: false, bootIdBefore: 'boot-1', forced: false, stage: 'acquired', stageAt: NOW - 5 * MIN, ...o },
});
/** Defaults: reboot required, nothing blocks, facts fresh, no lock. */
const facts = (o: Partial<Facts> = {}, n: Partial<NodeFacts> = {}): Facts => ({
  node: node(n), cluster: {}, sentinel: { required: true }, lock: { read: true }, blockers: { at: NOW - 1000, value: [] }, precheck: { at: NOW - 1000, value: [] }, marks: {}, ...o,
});
const ann = (a: Record<string, string>, more: Partial<NodeFacts> = {}) => ({ annotations: a, ...more });
const FORCE = { 'nodemend.dev/force-reboot': '2026-06-17T11:00:00Z' };
const BLOCK = { 'nodemend.dev/block': 'quarter close' };
const PDB = [{ pod: 'default/db-0', pdb: 'default/db', reason: 'allows 0 disruptions' }];
const LOST = { reason: 'Lease nodemend-lock-0 was taken over by x', at: NOW - 1000 };
const rebooted = (o: Partial<HeldLock> = {}) => lock({ stage: 'rebooting', stageAt: NOW - 3 * MIN, ...o });

interface Case {
  name: string;
  f: Facts;
  c?: Partial<CoreConfig>;
  at?: number;
  kind: Decision['action']['kind'];
  phase?: Decision['phase'];
  reason?: RegExp;
  check?: (d: Decision) => void;
}

const finishOf = (d: Decision) => {
  assert.equal(d.action.kind, 'finish');
  return d.action as Extract<Decision['action'], { kind: 'finish' }>;
};

const cases: Case[] = [
  // Observing.
  { name: 'node not in cache yet', f: { ...facts(), node: undefined }, kind: 'wait', phase: 'unknown', reason: /informer cache/ },
  { name: 'lock not read yet', f: facts({ lock: { read: false, error: 'connection refused' } }), kind: 'wait', phase: 'unknown', reason: /lock failed: connection refused; retrying/ },
  { name: 'sentinel not checked yet', f: facts({ sentinel: undefined }), kind: 'check-sentinel', phase: 'unknown' },
  { name: 'nothing needed', f: facts({ sentinel: { required: false } }), kind: 'wait', phase: 'healthy', reason: /^no reboot needed$/, check: (d) => assert.equal(d.rebootRequired, false) },
  { name: 'sentinel unknown is not a reboot, and says why', f: facts({ sentinel: { unknown: 'command exited 3' } }), kind: 'wait', phase: 'unknown', reason: /cannot tell .*exited 3/ },
  // Manual requests.
  { name: 'reboot-after in the future: scheduled', f: facts({ sentinel: { required: false } }, ann({ 'nodemend.dev/reboot-after': '2026-06-17T13:00:00Z' })), kind: 'wait', phase: 'scheduled', check: (d) => assert.deepEqual(d.action, { kind: 'wait', until: Date.parse('2026-06-17T13:00:00Z') }) },
  { name: 'reboot-after reached without sentinel: take a lock', f: facts({ sentinel: { required: false } }, ann({ 'nodemend.dev/reboot-after': '2026-06-17T11:00:00Z' })), kind: 'acquire', phase: 'waiting-lock', reason: /reboot-after 2026-06-17T11:00:00Z reached/, check: (d) => assert.deepEqual(d.action, { kind: 'acquire', forced: false }) },
  { name: 'reboot-after honours the window', f: facts({ sentinel: { required: false } }, ann({ 'nodemend.dev/reboot-after': '2026-06-17T11:00:00Z' })), c: { windows: [NIGHT] }, kind: 'wait', phase: 'waiting-window' },
  { name: 'reboot-after honours blockers', f: facts({ sentinel: { required: false }, blockers: { at: NOW, value: [{ name: 'alerts', reason: 'NodeDown firing' }] } }, ann({ 'nodemend.dev/reboot-after': '2026-06-17T11:00:00Z' })), kind: 'wait', phase: 'blocked' },
  { name: 'force-reboot without sentinel: forced lock', f: facts({ sentinel: { required: false } }, ann(FORCE)), kind: 'acquire', reason: /forced: window and automatic blockers ignored/, check: (d) => { assert.deepEqual(d.action, { kind: 'acquire', forced: true }); assert.equal(d.forced, true); } },
  { name: 'force ignores the window', f: facts({}, ann(FORCE)), c: { windows: [NIGHT] }, kind: 'acquire' },
  { name: 'force ignores automatic blockers, even unevaluated', f: facts({ blockers: undefined }, ann(FORCE)), kind: 'acquire' },
  { name: 'force ignores a blocking alert', f: facts({ blockers: { at: NOW, value: [{ name: 'alerts', reason: 'x' }] } }, ann(FORCE)), kind: 'acquire' },
  { name: 'force still respects the drain precheck', f: facts({ precheck: { at: NOW, value: PDB } }, ann(FORCE)), kind: 'wait', phase: 'blocked', reason: /PodDisruptionBudget default\/db allows no disruption of pod default\/db-0/ },
  { name: 'manual block wins', f: facts({}, ann(BLOCK)), kind: 'wait', phase: 'blocked', reason: /a person blocked reboots of this node: quarter close \(pending: the sentinel says/ },
  { name: 'manual block wins even over force', f: facts({}, ann({ ...BLOCK, ...FORCE })), kind: 'wait', phase: 'blocked' },
  { name: 'manual block with until wakes at its end', f: facts({}, ann({ ...BLOCK, 'nodemend.dev/block-until': '2026-06-17T15:00:00Z' })), kind: 'wait', phase: 'blocked', reason: /until 2026-06-17T15:00:00Z/, check: (d) => assert.deepEqual(d.action, { kind: 'wait', until: Date.parse('2026-06-17T15:00:00Z') }) },
  { name: 'lapsed manual block no longer blocks', f: facts({}, ann({ ...BLOCK, 'nodemend.dev/block-until': '2026-06-17T11:00:00Z' })), kind: 'acquire' },
  { name: 'block shown even when nothing is needed', f: facts({ sentinel: { required: false } }, ann(BLOCK)), kind: 'wait', phase: 'blocked' },
  { name: 'cluster-wide block on the DaemonSet', f: facts({ cluster: { 'nodemend.dev/block': 'freeze', 'other/x': 'y' } }), kind: 'wait', phase: 'blocked', reason: /cluster-wide \(DaemonSet nodemend\/nodemend-agent\): freeze/ },
  { name: 'cluster-wide block wins over force', f: facts({ cluster: { 'nodemend.dev/block': 'freeze' } }, ann(FORCE)), kind: 'wait', phase: 'blocked' },
  { name: 'malformed request: warning naming it, otherwise ignored', f: facts({ sentinel: { required: false } }, ann({ 'nodemend.dev/force-reboot': 'now please' })), kind: 'wait', phase: 'healthy', check: (d) => assert.match(d.warnings.join(), /node n1: nodemend.dev\/force-reboot: expected an RFC3339 time/) },
  { name: 'malformed cluster block-until: warning, block still holds', f: facts({ cluster: { 'nodemend.dev/block': 'freeze', 'nodemend.dev/block-until': 'friday' } }), kind: 'wait', phase: 'blocked', check: (d) => assert.match(d.warnings.join(), /DaemonSet nodemend\/nodemend-agent: nodemend.dev\/block-until/) },
  { name: 'empty block reason still blocks (fail closed)', f: facts({}, ann({ 'nodemend.dev/block': ' ' })), kind: 'wait', phase: 'blocked' },
  // Kured's order without a lock.
  { name: 'our cordon left without a lock is undone', f: facts({ sentinel: { required: false } }, { cordonedByUs: true, unschedulable: true }), kind: 'uncordon' },
  { name: "a person's cordon is left alone, reboot proceeds", f: facts({}, { unschedulable: true }), kind: 'acquire' },
  { name: 'outside the window: wait for it, no lock', f: facts(), c: { windows: [NIGHT] }, kind: 'wait', phase: 'waiting-window', reason: /next opens 2026-06-17T22:00:00Z/, check: (d) => { assert.equal(d.nextWindow, Date.parse('2026-06-17T22:00:00Z')); assert.deepEqual(d.action, { kind: 'wait', until: d.nextWindow }); } },
  { name: 'a node condition: its reason, and the window applies', f: facts({ sentinel: { required: true, reason: 'node condition KernelDeadlock=True since 2026-06-17T11:00:00Z' } }), c: { windows: [NIGHT] }, kind: 'wait', phase: 'waiting-window', reason: /node condition KernelDeadlock=True since/ },
  { name: 'an urgent node condition ignores the window, not the blockers', f: facts({ sentinel: { required: true, urgent: true, reason: 'node condition ReadonlyFilesystem=True' }, blockers: { at: NOW - 1000, value: [{ name: 'condition-storm', reason: 'storm' }] } }), c: { windows: [NIGHT] }, kind: 'wait', phase: 'blocked', reason: /condition-storm: storm/ },
  { name: 'an urgent node condition takes a lock outside the window, not forced', f: facts({ sentinel: { required: true, urgent: true, reason: 'node condition ReadonlyFilesystem=True' } }), c: { windows: [NIGHT] }, kind: 'acquire', check: (d) => assert.deepEqual(d.action, { kind: 'acquire', forced: false }) },
  { name: 'drained, urgent condition: window closed does not cancel', f: facts({ sentinel: { required: true, urgent: true }, lock: lock({ stage: 'drained', stageAt: NOW - MIN }), blockers: { at: NOW - 1000, value: [] } }), c: { windows: [NIGHT] }, kind: 'reboot' },
  { name: 'inside the window: publishes when it closes', f: facts(), c: { windows: [w('10:00-14:00')] }, kind: 'acquire', check: (d) => assert.equal(d.windowCloses, Date.parse('2026-06-17T14:00:01Z')) },
  { name: 'blockers never evaluated: evaluate first', f: facts({ blockers: undefined }), kind: 'check-blockers' },
  { name: 'blockers older than the period: re-evaluate', f: facts({ blockers: { at: NOW - MIN, value: [] } }), kind: 'check-blockers' },
  { name: 'a blocker blocks: no lock while blocked', f: facts({ blockers: { at: NOW - 1000, value: [{ name: 'pods', reason: 'pod default/backup-1 matches app=backup' }, { name: 'alerts', reason: 'cannot reach Prometheus' }] } }), kind: 'wait', phase: 'blocked', reason: /pods: pod default\/backup-1 matches app=backup; alerts: cannot reach Prometheus/ },
  { name: 'precheck never run: run it', f: facts({ precheck: undefined }), kind: 'precheck' },
  { name: 'precheck finds a PDB deadlock: blocked, no lock; the budgets named for the published state', f: facts({ precheck: { at: NOW, value: [...PDB, { ...PDB[0], pod: 'default/db-1' }, { pod: 'shop/api-1', pdb: 'shop/api', reason: 'r' }] } }), kind: 'wait', phase: 'blocked', reason: /drain would be refused, so no lock is taken/, check: (d) => assert.deepEqual([d.blockedBy, d.pdbs], [['pdb'], ['default/db', 'shop/api']]) },
  { name: 'precheck off with --force-reboot', f: facts({ precheck: { at: NOW, value: PDB } }), c: { forceReboot: true }, kind: 'acquire' },
  { name: 'quiet waiter: behind the front of the queue, an old precheck is not run again', f: facts({ precheck: { at: NOW - 6 * MIN, value: [] }, acquireFailure: { at: NOW - 2 * MIN, value: { reason: 'all 1 cluster slot(s) taken', behind: true } } }), kind: 'acquire' },
  { name: 'at the front of the queue, an old precheck is run again before the lock', f: facts({ precheck: { at: NOW - 6 * MIN, value: [] }, acquireFailure: { at: NOW - 2 * MIN, value: { reason: 'all 1 cluster slot(s) taken' } } }), kind: 'precheck' },
  { name: 'quiet waiter: a precheck never run is run, wherever the node waits', f: facts({ precheck: undefined, acquireFailure: { at: NOW - 2 * MIN, value: { reason: 'full', behind: true } } }), kind: 'precheck' },
  { name: 'precheck off by flag', f: facts({ precheck: undefined }), c: { drainPrecheck: false }, kind: 'acquire' },
  { name: 'no slot: waiting-lock, no queue position in the reason, taint on', f: facts({ acquireFailure: { at: NOW - 1000, value: { reason: 'all 1 cluster slot(s) taken' } } }), kind: 'wait', phase: 'waiting-lock', reason: /^waiting for a lock slot: all 1 cluster slot\(s\) taken$/, check: (d) => assert.equal(d.waiting, true) },
  { name: 'no slot a period ago: try again, same reason (no flapping)', f: facts({ acquireFailure: { at: NOW - MIN, value: { reason: 'full' } } }), kind: 'acquire', phase: 'waiting-lock', reason: /^waiting for a lock slot: full$/, check: (d) => assert.equal(d.waiting, true) },
  { name: 'a slot freed up, our turn: try again at once, same reason', f: facts({ acquireFailure: { at: NOW - 1000, value: { reason: 'full', retryAt: NOW } } }), kind: 'acquire', phase: 'waiting-lock', reason: /^waiting for a lock slot: full$/ },
  { name: 'a slot freed up, others first in the queue: wait for our turn', f: facts({ acquireFailure: { at: NOW - 1000, value: { reason: 'full', retryAt: NOW + 500 } } }), kind: 'wait', phase: 'waiting-lock', reason: /^waiting for a lock slot: full$/, check: (d) => assert.deepEqual(d.action, { kind: 'wait', until: NOW + 500 }) },
  { name: 'a turn later than the period changes nothing', f: facts({ acquireFailure: { at: NOW - MIN, value: { reason: 'full', retryAt: NOW + MIN } } }), kind: 'acquire', phase: 'waiting-lock', reason: /^waiting for a lock slot: full$/ },
  { name: 'recent failure: back off, phase failed', f: facts({ lastFailure: { at: NOW - 1000, value: 'drain failed: timeout' } }), kind: 'wait', phase: 'failed', reason: /drain failed: timeout; retrying at 2026-06-17T12:00:59Z/ },
  { name: 'dry run rehearsed recently: wait', f: facts({ dryRunAt: NOW - 1000 }), c: { dryRun: true }, kind: 'wait', phase: 'reboot-required', reason: /dry run: rehearsed/ },
  // Holding a lock, before the reboot.
  { name: 'acquired: drain delay', f: facts({ lock: lock({ acquiredAt: NOW - 1000, stageAt: NOW - 1000 }) }), c: { drainDelayMs: MIN }, kind: 'wait', phase: 'draining', reason: /--drain-delay/, check: (d) => assert.deepEqual(d.action, { kind: 'wait', until: NOW - 1000 + MIN }) },
  { name: 'acquired: precheck again after taking the lock', f: facts({ precheck: { at: NOW - 6 * MIN, value: [] }, lock: lock() }), kind: 'precheck' },
  { name: 'acquired: precheck now blocks: release without cordoning', f: facts({ precheck: { at: NOW, value: PDB }, lock: lock() }), kind: 'finish', check: (d) => { const a = finishOf(d); assert.equal(a.outcome, 'cancelled'); assert.equal(a.record, undefined); assert.equal(a.postLabels, false); } },
  { name: 'acquired: cordon', f: facts({ lock: lock() }), kind: 'cordon', phase: 'draining' },
  { name: 'acquired: dry run rehearses and releases', f: facts({ lock: lock() }), c: { dryRun: true }, kind: 'finish', reason: /dry run: would cordon n1, drain it and reboot now/, check: (d) => { const a = finishOf(d); assert.equal(a.dryRun, true); assert.equal(a.record, undefined); } },
  { name: 'acquired: window closed since: release without cordoning', f: facts({ lock: lock() }), c: { windows: [NIGHT] }, kind: 'finish', reason: /window closed before cordoning/ },
  { name: 'acquired, forced: window closed does not matter', f: facts({ lock: lock({ forced: true }) }, ann(FORCE)), c: { windows: [NIGHT] }, kind: 'cordon' },
  { name: 'cordoned: drain', f: facts({ lock: lock({ stage: 'cordoned' }) }, { unschedulable: true, cordonedByUs: true }), kind: 'drain', phase: 'draining' },
  { name: 'cordoned, restarted mid-drain: drain again', f: facts({ lock: lock({ stage: 'cordoned' }), drain: undefined, precheck: undefined, blockers: undefined }), kind: 'drain' },
  { name: 'cordoned: sentinel unknown does not cancel', f: facts({ lock: lock({ stage: 'cordoned' }), sentinel: { unknown: 'io error' } }), kind: 'drain' },
  { name: 'drain failed: release, uncordon, report the PDB', f: facts({ lock: lock({ stage: 'cordoned' }), drain: { at: NOW, value: { ok: false, reason: 'timed out after 5m', blocked: PDB } } }), kind: 'finish', phase: 'failed', reason: /drain failed: timed out after 5m; PodDisruptionBudget default\/db/, check: (d) => { const a = finishOf(d); assert.equal(a.outcome, 'failed'); assert.equal(a.postLabels, true); assert.equal(a.record?.outcome, 'failed'); assert.deepEqual(a.clear, []); } },
  { name: 'drain failed with --force-reboot: reboot anyway', f: facts({ lock: lock({ stage: 'cordoned' }), drain: { at: NOW, value: { ok: false, reason: 'timed out', blocked: [] } }, blockers: { at: NOW, value: [] } }), c: { forceReboot: true }, kind: 'reboot', reason: /rebooting anyway \(--force-reboot\)/ },
  { name: 'a drain failure from an earlier stage is ignored', f: facts({ lock: lock({ stage: 'cordoned', stageAt: NOW - 1000 }), drain: { at: NOW - 5000, value: { ok: false, reason: 'old', blocked: [] } } }), kind: 'drain' },
  { name: 'drained: blockers checked before the reboot', f: facts({ lock: lock({ stage: 'drained', stageAt: NOW - 1000 }), blockers: { at: NOW - 2000, value: [] } }), kind: 'check-blockers' },
  { name: 'drained: blocked now: cancel, uncordon, record', f: facts({ lock: lock({ stage: 'drained', stageAt: NOW - 1000 }), blockers: { at: NOW, value: [{ name: 'alerts', reason: 'KubePodCrashLooping firing' }] } }), kind: 'finish', reason: /blocked before the reboot: alerts: KubePodCrashLooping/, check: (d) => { const a = finishOf(d); assert.equal(a.outcome, 'cancelled'); assert.equal(a.record?.outcome, 'cancelled'); assert.equal(a.postLabels, true); } },
  { name: 'drained: window closed: cancel', f: facts({ lock: lock({ stage: 'drained' }) }), c: { windows: [NIGHT] }, kind: 'finish', reason: /window closed before the reboot; next opens 2026-06-17T22:00:00Z/ },
  { name: 'drained, forced: window closed and blocked do not matter', f: facts({ lock: lock({ stage: 'drained', forced: true }), blockers: { at: NOW, value: [{ name: 'alerts', reason: 'x' }] } }, ann(FORCE)), c: { windows: [NIGHT] }, kind: 'reboot', phase: 'rebooting' },
  { name: 'drained: reboot delay', f: facts({ lock: lock({ stage: 'drained', stageAt: NOW - 1000 }), blockers: { at: NOW, value: [] } }), c: { rebootDelayMs: MIN }, kind: 'wait', phase: 'draining', reason: /--reboot-delay/ },
  { name: 'drained: reboot', f: facts({ lock: lock({ stage: 'drained' }) }), kind: 'reboot', phase: 'rebooting' },
  { name: 'manual block while draining: cancel, uncordon, release', f: facts({ lock: lock({ stage: 'cordoned' }) }, ann(BLOCK, { cordonedByUs: true })), kind: 'finish', reason: /cancelled before it started: a person blocked/, check: (d) => assert.equal(finishOf(d).outcome, 'cancelled') },
  { name: 'manual block beats a forced lock', f: facts({ lock: lock({ stage: 'drained', forced: true }) }, ann({ ...FORCE, ...BLOCK })), kind: 'finish' },
  { name: 'cluster block at drained: cancel', f: facts({ lock: lock({ stage: 'drained' }), cluster: { 'nodemend.dev/block': 'freeze' } }), kind: 'finish' },
  { name: 'force request removed before the reboot: cancel', f: facts({ lock: lock({ stage: 'cordoned', forced: true }), sentinel: { required: false } }), kind: 'finish', reason: /force-reboot request was removed/ },
  { name: 'sentinel gone while draining: cancel', f: facts({ lock: lock({ stage: 'cordoned' }), sentinel: { required: false } }), kind: 'finish', reason: /nothing asks for it any more/ },
  { name: 'force removed but sentinel still needs it: continue unforced, window applies', f: facts({ lock: lock({ stage: 'drained', forced: true }) }), c: { windows: [NIGHT] }, kind: 'finish', reason: /window closed/ },
  // Lock lost (a slot taken over by another node): never reboot on it.
  { name: 'lock lost while acquired: fail (published as failed), release the rest', f: facts({ lock: lock({ lost: LOST }) }), kind: 'finish', phase: 'failed', reason: /^lock lost: Lease nodemend-lock-0 was taken over by x; reboot cancelled/, check: (d) => { const a = finishOf(d); assert.equal(a.outcome, 'failed'); assert.equal(a.record, undefined); } },
  { name: 'lock lost while draining: fail, uncordon, record', f: facts({ lock: lock({ stage: 'cordoned', lost: LOST }) }, { unschedulable: true, cordonedByUs: true }), kind: 'finish', phase: 'failed', check: (d) => assert.equal(finishOf(d).record?.outcome, 'failed') },
  { name: 'lock lost when drained, forced: no reboot', f: facts({ lock: lock({ stage: 'drained', forced: true, lost: LOST }) }, ann(FORCE)), kind: 'finish', phase: 'failed' },
  { name: 'lock lost after the reboot was issued: wait for it, never reissue', f: facts({ lock: rebooted({ lost: LOST }) }), kind: 'wait', phase: 'rebooting' },
  { name: 'lock lost, the reboot did not happen: fail, not retried', f: facts({ lock: rebooted({ stageAt: NOW - 11 * MIN, lost: LOST }), blockers: { at: NOW, value: [] } }), kind: 'finish', phase: 'failed', reason: /not retried: lock lost/ },
  { name: 'lock lost after the reboot: verification finishes (uncordon ours)', f: facts({ lock: rebooted({ lost: LOST }) }, { bootId: 'boot-2', unschedulable: true, cordonedByUs: true }), kind: 'uncordon', phase: 'verifying' },
  { name: 'lock lost after the reboot: success, says so', f: facts({ lock: rebooted({ lost: LOST }) }, { bootId: 'boot-2' }), kind: 'finish', phase: 'healthy', reason: /back in service; lock lost meanwhile/ },
  // Rebooting and after.
  { name: 'reboot issued, boot ID unchanged: wait for the node to go down', f: facts({ lock: rebooted(), rebootIssuedAt: NOW - MIN }), kind: 'wait', phase: 'rebooting', check: (d) => assert.deepEqual(d.action, { kind: 'wait', until: NOW - MIN + 10 * MIN }) },
  { name: 'restarted, boot ID unchanged, before the verify timeout: wait', f: facts({ lock: rebooted() }), kind: 'wait', phase: 'rebooting' },
  { name: 'reboot did not happen, still needed: reboot again', f: facts({ lock: rebooted({ stageAt: NOW - 11 * MIN }), blockers: { at: NOW, value: [] } }), kind: 'reboot', reason: /did not happen within 10m \(boot ID still boot-1\); retrying/ },
  { name: 'reboot did not happen, unforced and blockers stale: check first', f: facts({ lock: rebooted({ stageAt: NOW - 11 * MIN }), blockers: { at: NOW - 20 * MIN, value: [] } }), kind: 'check-blockers' },
  { name: 'reboot did not happen, no longer needed: cancel', f: facts({ lock: rebooted({ stageAt: NOW - 11 * MIN }), sentinel: { required: false } }), kind: 'finish', reason: /no longer needed/ },
  { name: 'reboot did not happen, blocked since: fail, uncordon, release', f: facts({ lock: rebooted({ stageAt: NOW - 11 * MIN }) }, ann(BLOCK)), kind: 'finish', phase: 'failed' },
  { name: 'rebooted, node not Ready yet', f: facts({ lock: rebooted() }, { bootId: 'boot-2', ready: false, unschedulable: true, cordonedByUs: true }), kind: 'wait', phase: 'verifying', reason: /boot ID boot-1 -> boot-2\); waiting for the node to be Ready/ },
  { name: 'rebooted and Ready: uncordon ours, remember when Ready', f: facts({ lock: rebooted() }, { bootId: 'boot-2', unschedulable: true, cordonedByUs: true }), kind: 'uncordon', phase: 'verifying', check: (d) => assert.deepEqual(d.mark, ['ready']) },
  { name: 'rebooted, manual block meanwhile: recovery still completes', f: facts({ lock: rebooted() }, ann(BLOCK, { bootId: 'boot-2' })), kind: 'finish', check: (d) => assert.equal(finishOf(d).outcome, 'succeeded') },
  {
    name: "rebooted, a person's cordon from before: finish, never uncordon",
    f: facts({ lock: rebooted({ wasUnschedulable: true }) }, { bootId: 'boot-2', unschedulable: true }),
    kind: 'finish',
    check: (d) => assert.equal(finishOf(d).outcome, 'succeeded'),
  },
  {
    name: 'success: history record, clear acted-on requests only',
    f: facts({ lock: rebooted({ acquiredAt: NOW - 10 * MIN, stageAt: NOW - 6 * MIN, forced: true }), marks: { ready: NOW - 2 * MIN } }, ann({ ...FORCE, 'nodemend.dev/reboot-after': '2026-06-17T11:00:00Z' }, { bootId: 'boot-2' })),
    kind: 'finish',
    phase: 'healthy',
    check: (d) => {
      const a = finishOf(d);
      assert.deepEqual(a.clear, ['nodemend.dev/force-reboot', 'nodemend.dev/reboot-after']);
      assert.deepEqual(a.record, { start: '2026-06-17T11:50:00Z', end: '2026-06-17T12:00:00Z', outcome: 'succeeded', reason: a.reason, forced: true, bootIdBefore: 'boot-1', drainMs: 4 * MIN, bootIdAfter: 'boot-2', rebootMs: 4 * MIN, verifyMs: 2 * MIN });
    },
  },
  { name: 'success keeps a reboot-after set for later', f: facts({ lock: rebooted() }, ann({ 'nodemend.dev/reboot-after': '2026-06-18T11:00:00Z' }, { bootId: 'boot-2' })), kind: 'finish', check: (d) => assert.deepEqual(finishOf(d).clear, []) },
  { name: 'boot ID not recorded: recovery assumes the reboot', f: facts({ lock: rebooted({ bootIdBefore: '' }) }), kind: 'finish', reason: /boot ID not recorded/ },
  { name: 'health gate: check it, remember Ready and gate start', f: facts({ lock: rebooted() }, { bootId: 'boot-2' }), c: { healthGate: true }, kind: 'check-health', check: (d) => assert.deepEqual(d.mark, ['ready', 'gate']) },
  { name: 'health gate: unhealthy, hold the lock', f: facts({ lock: rebooted(), health: { at: NOW - 1000, value: { healthy: false, reason: 'PDB default/db has 1 of 2 healthy' } }, marks: { ready: NOW - MIN, gate: NOW - MIN } }, { bootId: 'boot-2' }), c: { healthGate: true }, kind: 'wait', phase: 'verifying', reason: /holding the lock until healthy: PDB default\/db/, check: (d) => assert.equal(d.gateSince, NOW - MIN, 'the gate start is published') },
  { name: 'health gate: a start restored from an earlier process keeps its timeout', f: facts({ lock: rebooted(), health: { at: NOW - 1000, value: { healthy: false, reason: 'x' } }, marks: { gate: NOW - 10 * MIN - 1 } }, { bootId: 'boot-2' }), c: { healthGate: true }, kind: 'finish', phase: 'failed', reason: /health gate not met within 10m/ },
  { name: 'health gate: stale result, check again', f: facts({ lock: rebooted(), health: { at: NOW - 20_000, value: { healthy: false, reason: 'x' } }, marks: { ready: NOW - MIN, gate: NOW - MIN } }, { bootId: 'boot-2' }), c: { healthGate: true }, kind: 'check-health' },
  { name: 'health gate: timed out: fail and release', f: facts({ lock: rebooted(), health: { at: NOW - 1000, value: { healthy: false, reason: 'x' } }, marks: { ready: NOW - 11 * MIN, gate: NOW - 11 * MIN } }, { bootId: 'boot-2' }), c: { healthGate: true }, kind: 'finish', phase: 'failed', reason: /health gate not met within 10m: x/ },
  { name: 'health gate: healthy: release', f: facts({ lock: rebooted(), health: { at: NOW - 1000, value: { healthy: true } }, marks: { ready: NOW - MIN, gate: NOW - MIN } }, { bootId: 'boot-2' }), c: { healthGate: true }, kind: 'finish', check: (d) => assert.equal(finishOf(d).outcome, 'succeeded') },
  { name: 'lock release delay: wait, remember its start', f: facts({ lock: rebooted() }, { bootId: 'boot-2' }), c: { lockReleaseDelayMs: 5 * MIN }, kind: 'wait', phase: 'verifying', reason: /--lock-release-delay/, check: (d) => {
    assert.deepEqual(d.mark, ['ready', 'release']);
    assert.deepEqual([d.readySince, d.releaseSince], [NOW, NOW], 'both published, as the instants the runtime marks');
  } },
  { name: 'lock release delay resumed: the published start counts, not now', f: facts({ lock: rebooted(), marks: { ready: NOW - 3 * MIN, release: NOW - 2 * MIN } }, { bootId: 'boot-2' }), c: { lockReleaseDelayMs: 5 * MIN }, kind: 'wait', phase: 'verifying', check: (d) => {
    assert.equal((d.action as { until?: number }).until, NOW + 3 * MIN);
    assert.deepEqual([d.readySince, d.releaseSince, d.mark], [NOW - 3 * MIN, NOW - 2 * MIN, undefined]);
  } },
  { name: 'lock release delay over: release', f: facts({ lock: rebooted(), marks: { ready: NOW - 6 * MIN, release: NOW - 5 * MIN } }, { bootId: 'boot-2' }), c: { lockReleaseDelayMs: 5 * MIN }, kind: 'finish' },
];

// Cutover from Kured: Kured's lock as a fact. Its holders travel with the acquire (the lock
// counts them); an unreadable lock takes no slot; a cordon Kured left is undone only when
// lock/kured.ts says so, after fresh facts were gathered.
const KW = 'DaemonSet kube-system/kured';
const kured = (...holders: { node: string; wasUnschedulable?: boolean; created?: number; ttlMs?: number }[]): Facts['kured'] => ({
  kind: 'read', where: KW, holders: holders.map((h) => ({ created: NOW - 10 * MIN, ttlMs: 0, ...h })),
});
const gathered = (o: Partial<NonNullable<Facts['kuredCordon']>['value']> = {}): Facts['kuredCordon'] => ({
  at: NOW - 1000, value: { unschedulable: true, cordonManagers: ['kured'], kuredPods: [], resourceVersion: '42', ...o },
});
const acquireOf = (d: Decision) => d.action as Extract<Decision['action'], { kind: 'acquire' }>;
cases.push(
  { name: 'Kured holds its lock for another node: acquire counts it', f: facts({ kured: kured({ node: 'k1' }) }), kind: 'acquire', check: (d) => assert.deepEqual(acquireOf(d).foreign, { what: `Kured's lock on ${KW}`, nodes: ['k1'] }) },
  { name: "Kured's expired entry (TTL) does not count", f: facts({ kured: kured({ node: 'k1', created: NOW - 2 * MIN, ttlMs: MIN }) }), kind: 'acquire', check: (d) => assert.equal(acquireOf(d).foreign, undefined) },
  { name: 'TTL 0 never expires', f: facts({ kured: kured({ node: 'k1', created: NOW - 1000 * 24 * 60 * MIN }) }), kind: 'acquire', check: (d) => assert.deepEqual(acquireOf(d).foreign?.nodes, ['k1']) },
  { name: 'no Kured DaemonSet: nothing counts', f: facts({ kured: { kind: 'absent', where: KW } }), kind: 'acquire', check: (d) => assert.equal(acquireOf(d).foreign, undefined) },
  { name: "Kured's lock unparseable: blocked, no lock (fail closed)", f: facts({ kured: { kind: 'invalid', where: KW, error: 'annotation weave.works/kured-node-lock: not JSON: "{oops"' } }), kind: 'wait', phase: 'blocked', reason: /^no lock slot taken: Kured's lock on DaemonSet kube-system\/kured cannot be read \(annotation weave.works\/kured-node-lock: not JSON/ },
  { name: "Kured's DaemonSet unreadable: blocked, no lock (fail closed)", f: facts({ kured: { kind: 'unknown', where: KW, error: 'not listed yet' } }), kind: 'wait', phase: 'blocked', reason: /cannot read Kured's lock on DaemonSet kube-system\/kured: not listed yet; the agent needs get, list and watch/ },
  { name: "Kured's lock unparseable but no reboot needed: healthy", f: facts({ sentinel: { required: false }, kured: { kind: 'invalid', where: KW, error: 'x' } }), kind: 'wait', phase: 'healthy' },
  { name: 'forced reboot still counts Kured holders', f: facts({ kured: kured({ node: 'k1' }) }, ann(FORCE)), kind: 'acquire', check: (d) => assert.deepEqual(acquireOf(d).foreign?.nodes, ['k1']) },
  { name: 'Kured left this node cordoned: gather fresh facts first', f: facts({ kured: kured({ node: 'n1', wasUnschedulable: false }) }, { unschedulable: true }), kind: 'check-kured-cordon' },
  { name: 'Kured left this node cordoned, facts say Kured cordoned it: uncordon (CAS)', f: facts({ kured: kured({ node: 'n1', wasUnschedulable: false }), kuredCordon: gathered() }, { unschedulable: true }), kind: 'adopt-kured-cordon', phase: 'verifying', reason: /no Kured agent runs on it/, check: (d) => assert.deepEqual(d.action, { kind: 'adopt-kured-cordon', resourceVersion: '42' }) },
  { name: 'gathered facts older than a period: gather again', f: facts({ kured: kured({ node: 'n1', wasUnschedulable: false }), kuredCordon: { ...gathered()!, at: NOW - 2 * MIN } }, { unschedulable: true }), kind: 'check-kured-cordon' },
  { name: 'cordoned before Kured (metadata.unschedulable true): left cordoned, no fresh reads', f: facts({ kured: kured({ node: 'n1', wasUnschedulable: true }) }, { unschedulable: true }), kind: 'acquire' },
  { name: 'Kured still runs on the node: left cordoned', f: facts({ kured: kured({ node: 'n1', wasUnschedulable: false }), kuredCordon: gathered({ kuredPods: ['kured-abc'] }) }, { unschedulable: true }), kind: 'acquire' },
  { name: 're-cordoned by a person after Kured: left cordoned', f: facts({ kured: kured({ node: 'n1', wasUnschedulable: false }), kuredCordon: gathered({ cordonManagers: ['kubectl-cordon'] }) }, { unschedulable: true }), kind: 'acquire' },
  { name: "this node's own Kured entry does not count against it", f: facts({ kured: kured({ node: 'n1', wasUnschedulable: true }) }, { unschedulable: true }), kind: 'acquire', check: (d) => assert.equal(acquireOf(d).foreign, undefined) },
);

for (const c of cases) {
  test(`decide: ${c.name}`, () => {
    const d = decide(c.f, cfg(c.c), c.at ?? NOW);
    assert.equal(d.action.kind, c.kind, `action (reason: ${d.reason})`);
    if (c.phase) assert.equal(d.phase, c.phase, `phase (reason: ${d.reason})`);
    if (c.reason) assert.match(d.reason, c.reason);
    c.check?.(d);
    // Invariants that hold in every row.
    if (d.action.kind === 'acquire') assert.ok(d.waiting, 'acquiring announces waiting');
    if (d.phase === 'blocked' || d.phase === 'waiting-window') assert.ok(!['acquire', 'cordon', 'drain', 'reboot'].includes(d.action.kind));
  });
}

// The window rules reach the decision: the next opening the agent publishes and waits for, and a
// lock taken just before the first showing of a repeated hour ends is given back in the second.
test('decide: fall-back night, the second showing of the repeated hour is outside the window', () => {
  const dst = [w('sat 22:00-06:00 Europe/Berlin')];
  const second = Date.parse('2026-10-25T02:30+01:00');
  const d = decide(facts(), cfg({ windows: dst }), second);
  assert.equal(d.phase, 'waiting-window', d.reason);
  assert.equal(d.nextWindow, Date.parse('2026-10-25T03:00+01:00'), 'after the repeated hour');
  const held = decide(facts({ lock: lock({ acquiredAt: second - MIN, stageAt: second - MIN }) }), cfg({ windows: dst }), second);
  assert.equal(held.action.kind, 'finish', held.reason);
  assert.match(held.reason, /window closed before cordoning; next opens 2026-10-25T02:00:00Z/);
});

test('decide: spring-forward night, a window wholly in the gap takes no lock', () => {
  const d = decide(facts(), cfg({ windows: [w('sun 02:10-02:40 Europe/Berlin')] }), Date.parse('2026-03-29T01:59:59+01:00'));
  assert.equal(d.phase, 'waiting-window', d.reason);
  assert.equal(d.nextWindow, Date.parse('2026-04-05T02:10+02:00'));
  const atJump = decide(facts(), cfg({ windows: [w('sun 02:10-02:40 Europe/Berlin')] }), Date.parse('2026-03-29T03:00+02:00'));
  assert.notEqual(atJump.action.kind, 'acquire', atJump.reason);
});

// The Force Reboot confirmation against the agent's real decision core: every sentence about
// what force skips or not, and every hold it names, comes from a decide() outcome here.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide } from '../../backend/agent/core/decide.ts';
import type { CoreConfig, Facts } from '../../backend/agent/core/types.ts';
import type { NodeFacts } from '../../backend/agent/ports.ts';
import { parseWindow } from '../../backend/agent/schedule/parse.ts';
import { node, snapshot, state } from '../state/builders.ts';
import { FORCE_SEMANTICS, forceDetail, forceHolds } from './force-text.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const MIN = 60_000;
const win = (s: string) => {
  const r = parseWindow('--window', s, 'UTC');
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const cfg = (o: Partial<CoreConfig> = {}): CoreConfig => ({
  windows: [win('00:00-24:00')], periodMs: MIN, drainDelayMs: 0, rebootDelayMs: 0, lockReleaseDelayMs: 0, forceReboot: false, drainPrecheck: true,
  dryRun: false, healthGate: false, healthGateTimeoutMs: 10 * MIN, rebootVerifyTimeoutMs: 10 * MIN, dsNamespace: 'nodemend', dsName: 'nodemend-agent', ...o,
});
const FORCE = { 'nodemend.dev/force-reboot': '2026-06-17T11:00:00Z' };
const PDB = [{ pod: 'default/db-0', pdb: 'default/db', reason: 'allows 0 disruptions' }];
const facts = (o: Partial<Facts> = {}, annotations: Record<string, string> = FORCE): Facts => {
  const n: NodeFacts = { name: 'n1', ready: true, unschedulable: false, cordonedByUs: false, bootId: 'boot-1', labels: {}, annotations, resourceVersion: '1' };
  return { node: n, cluster: {}, sentinel: { required: false }, lock: { read: true }, blockers: { at: NOW - 1000, value: [] }, precheck: { at: NOW - 1000, value: [] }, marks: {}, ...o };
};

test('what the text says force skips, the agent skips: window and automatic blockers', () => {
  assert.match(FORCE_SEMANTICS, /skips the reboot window and the automatic blockers \(alerts, pod selectors\)/);
  assert.equal(decide(facts(), cfg({ windows: [win('22:00-06:00')] }), NOW).action.kind, 'acquire');
  assert.equal(decide(facts({ blockers: { at: NOW, value: [{ name: 'prometheus-alerts', reason: 'alert firing' }] } }), cfg(), NOW).action.kind, 'acquire');
});

test('what the text says force does not skip, the agent does not: manual blocks, node and cluster-wide', () => {
  assert.match(FORCE_SEMANTICS, /does not skip a manual block/);
  assert.doesNotMatch(FORCE_SEMANTICS, /ignores[^.]*manual block/);
  assert.equal(decide(facts({}, { ...FORCE, 'nodemend.dev/block': 'quarter close' }), cfg(), NOW).phase, 'blocked');
  assert.equal(decide(facts({ cluster: { 'nodemend.dev/block': 'freeze' } }), cfg(), NOW).phase, 'blocked');
});

test('PodDisruptionBudgets hold a forced reboot; only the --force-reboot flag reboots past a failed drain', () => {
  assert.match(FORCE_SEMANTICS, /with the drain precheck \(on by default\) a budget that allows no eviction holds it before any lock is taken/);
  assert.match(FORCE_SEMANTICS, /Only an agent started with --force-reboot reboots after a failed drain/);
  assert.equal(decide(facts({ precheck: { at: NOW, value: PDB } }), cfg(), NOW).phase, 'blocked');
  assert.equal(decide(facts({ precheck: { at: NOW, value: PDB } }), cfg({ forceReboot: true }), NOW).action.kind, 'acquire');
});

test('the confirmation names the blocks that hold the chosen nodes now, and only active ones', () => {
  const snap = snapshot(
    [
      node('a', { phase: 'blocked', requests: { block: { reason: 'quarter close', until: '2026-06-18T00:00:00Z' } } }),
      node('b', { phase: 'healthy', requests: { block: { reason: 'old', until: '2026-06-17T11:00:00Z' } } }),
      node('c', { phase: 'healthy' }),
    ],
    { clusterBlock: { reason: 'freeze' } },
  );
  const holds = forceHolds(['a', 'b', 'c'], snap, NOW);
  assert.equal(holds.length, 2, holds.join('\n'));
  assert.match(holds[0], /^Reboots are blocked cluster-wide \("freeze"\)/);
  assert.match(holds[1], /^a is blocked \("quarter close", until 2026-06-18T00:00:00Z\): its forced reboot waits/);
  assert.deepEqual(forceHolds(['c'], snapshot([node('c', { phase: 'healthy' })]), NOW), []);
  assert.equal(forceDetail(['c'], snapshot([node('c', { phase: 'healthy' })]), NOW), FORCE_SEMANTICS);
  assert.match(forceDetail(['a'], snap, NOW), /^Held now:\n• Reboots are blocked cluster-wide/);
  assert.deepEqual(forceHolds(['a'], undefined, NOW), []);
});

test('a refused drain precheck and a failed drain, as the agent publishes them, are named', () => {
  const pre = decide(facts({ precheck: { at: NOW, value: PDB } }), cfg(), NOW);
  const held = forceHolds(['p'], snapshot([node('p', { phase: 'blocked', state: state('blocked', { reason: pre.reason }) })]), NOW);
  assert.equal(held.length, 1);
  assert.match(held[0], /^p: drain would be refused, so no lock is taken: PodDisruptionBudget default\/db allows no disruption of pod default\/db-0/);
  const lock: Facts['lock'] = { read: true, held: { leases: ['nodemend-lock-0'], acquiredAt: NOW - 5 * MIN, wasUnschedulable: false, bootIdBefore: 'boot-1', forced: true, stage: 'cordoned', stageAt: NOW - 5 * MIN } };
  const failed = decide(facts({ lock, drain: { at: NOW, value: { ok: false, reason: 'timed out', blocked: PDB } } }), cfg(), NOW);
  assert.equal(failed.phase, 'failed');
  const f = forceHolds(['q'], snapshot([node('q', { phase: 'failed', state: state('failed', { reason: failed.reason }) })]), NOW);
  assert.match(f[0], /^q: drain failed: timed out.*unless the agent runs with --force-reboot/);
});

test('many held nodes are summed up after five', () => {
  const nodes = Array.from({ length: 8 }, (_, i) => node(`n${i}`, { requests: { block: { reason: 'r' } } }));
  const holds = forceHolds(nodes.map((n) => n.name), snapshot(nodes), NOW);
  assert.equal(holds.length, 6);
  assert.equal(holds[5], '…and 3 more held nodes.');
});

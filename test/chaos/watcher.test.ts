// The invariant watcher against a real API server: a clean reboot sequence written by hand must
// give no violation, and each promise broken on purpose by direct API writes must be reported.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { Watcher } from './watcher.ts';
import type { Policy } from './invariants.ts';

const NS = 'nodemend';
const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
let c: TestCluster;
let coord: k8s.CoordinationV1Api;

const policy: Policy = {
  concurrency: 2, scope: { label: 'topology.kubernetes.io/zone', limit: 2 }, inWindow: () => true, lagMs: 500,
  leftCordonedMs: 2000, maxHoldMs: 3000, blockGraceMs: 1000, lostAfterMs: 600_000,
};

before(async () => {
  c = await startCluster();
  coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  await c.ensureNamespace(NS);
  const names = await c.addNodes(12, { prefix: 'w', zones: ['a', 'b'] });
  await c.waitNodesReady(names);
  for (const n of names) await c.setBootId(n, 'boot-1');
}, { timeout: 180_000 });

after(async () => {
  await c?.stop();
});

const state = (phase: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, phase, reason: 'test', since: new Date().toISOString(), rebootRequired: false, agent: 'test', ...extra });

async function annotate(node: string, ann: Record<string, string | null>, unschedulable?: boolean | null): Promise<void> {
  const body: Record<string, unknown> = { metadata: { annotations: ann } };
  if (unschedulable !== undefined) body.spec = { unschedulable };
  await c.core.patchNode({ name: node, body }, merge());
}

async function holdLease(name: string, holder: string | null): Promise<void> {
  // A plain Date is sent with milliseconds, which a Lease's MicroTime fields refuse.
  const now = new k8s.V1MicroTime(Date.now());
  try {
    const l = await coord.readNamespacedLease({ name, namespace: NS });
    l.spec = { ...l.spec, holderIdentity: holder ?? undefined, acquireTime: holder ? now : undefined, renewTime: holder ? now : undefined };
    await coord.replaceNamespacedLease({ name, namespace: NS, body: l });
  } catch {
    await coord.createNamespacedLease({ namespace: NS, body: { metadata: { name }, spec: { holderIdentity: holder ?? undefined, acquireTime: now, renewTime: now, leaseDurationSeconds: 60 } } });
  }
}

async function watch(): Promise<Watcher> {
  const w = new Watcher(c.kc, { policy, namespace: NS });
  await w.start();
  return w;
}

/** Waits until the watcher reported the promise, then checks nothing else was reported. */
async function expectOnly(w: Watcher, promise: number): Promise<void> {
  await waitFor(`violation of promise ${promise}`, async () => w.violations.some((v) => v.promise === promise), 20_000);
  assert.deepEqual([...new Set(w.violations.map((v) => v.promise))], [promise], JSON.stringify(w.violations, null, 1));
}

test('a clean reboot sequence reports nothing', { timeout: 120_000 }, async () => {
  const w = await watch();
  const n = 'w-0';
  await annotate(n, { 'nodemend.dev/state': state('waiting-lock', { rebootRequired: true }) });
  await holdLease('nodemend-lock-0', n);
  await holdLease('nodemend-lock-a-0', n);
  await annotate(n, { 'nodemend.dev/cordoned-by': 'nodemend-agent', 'nodemend.dev/state': state('draining', { rebootRequired: true }) }, true);
  await annotate(n, { 'nodemend.dev/state': state('rebooting', { rebootRequired: true }) });
  await c.setNodeReady(n, false);
  await c.setBootId(n, 'boot-2');
  await c.setNodeReady(n, true);
  await annotate(n, { 'nodemend.dev/state': state('verifying', { bootId: 'boot-2' }) });
  await annotate(n, { 'nodemend.dev/cordoned-by': null, 'nodemend.dev/state': state('healthy', { bootId: 'boot-2' }) }, null);
  await holdLease('nodemend-lock-a-0', null);
  await holdLease('nodemend-lock-0', null);
  // A person cordons and later lifts their own cordon: theirs to do.
  await annotate('w-1', {}, true);
  await new Promise((r) => setTimeout(r, 500));
  w.inv.allowUncordon('w-1');
  await annotate('w-1', {}, null);
  await waitFor('the reboot seen', async () => w.inv.reboots === 1, 10_000);
  await new Promise((r) => setTimeout(r, 3500));
  const v = w.finish();
  await w.stop();
  assert.deepEqual(v, []);
});

test('promise 1: three nodes cordoned by nodemend with concurrency 2', { timeout: 60_000 }, async () => {
  const w = await watch();
  for (const n of ['w-2', 'w-3', 'w-4']) await annotate(n, { 'nodemend.dev/cordoned-by': 'nodemend-agent', 'nodemend.dev/state': state('draining') }, true);
  await waitFor('violation', async () => w.violations.length > 0, 10_000);
  const v = w.violations.find((x) => x.promise === 1);
  assert.ok(v, JSON.stringify(w.violations));
  assert.equal(v.evidence.scope, 'cluster');
  assert.deepEqual(v.evidence.nodes, ['w-2', 'w-3', 'w-4']);
  for (const n of ['w-2', 'w-3', 'w-4']) await annotate(n, { 'nodemend.dev/cordoned-by': null, 'nodemend.dev/state': state('healthy') }, null);
  await w.stop();
});

test('promise 2: a reboot while a person blocks the node', { timeout: 60_000 }, async () => {
  const w = await watch();
  const n = 'w-5';
  await annotate(n, { 'nodemend.dev/block': 'change freeze' });
  await new Promise((r) => setTimeout(r, 1500));
  // Under a lock, so that only promise 2 is broken (a reboot without one breaks promise 1 too).
  await holdLease('nodemend-lock-a-0', n);
  await holdLease('nodemend-lock-0', n);
  await new Promise((r) => setTimeout(r, 300));
  await annotate(n, { 'nodemend.dev/state': state('rebooting') });
  await c.setBootId(n, 'boot-2');
  await expectOnly(w, 2);
  assert.match(w.violations[0].message, /while blocked/);
  await holdLease('nodemend-lock-a-0', null);
  await holdLease('nodemend-lock-0', null);
  await annotate(n, { 'nodemend.dev/block': null, 'nodemend.dev/state': state('healthy') });
  await w.stop();
});

test("promise 3: a person's cordon lifted by someone else, and a nodemend cordon left behind", { timeout: 60_000 }, async () => {
  const w = await watch();
  await annotate('w-6', {}, true);
  await new Promise((r) => setTimeout(r, 300));
  await annotate('w-6', {}, null);
  await expectOnly(w, 3);
  await annotate('w-7', { 'nodemend.dev/cordoned-by': 'nodemend-agent', 'nodemend.dev/state': state('healthy') }, true);
  await waitFor('left-cordoned violation', async () => w.violations.some((v) => /left cordoned/.test(v.message)), 15_000);
  await annotate('w-7', { 'nodemend.dev/cordoned-by': null }, null);
  await w.stop();
});

test('promise 4: a lock slot held for ever', { timeout: 60_000 }, async () => {
  const w = await watch();
  await holdLease('nodemend-lock-1', 'w-8');
  await expectOnly(w, 4);
  assert.equal(w.violations[0].evidence.holder, 'w-8');
  await holdLease('nodemend-lock-1', null);
  await w.stop();
});

test('promise 5: a node that needs a reboot and never gets one', { timeout: 60_000 }, async () => {
  const w = await watch();
  await annotate('w-9', { 'nodemend.dev/state': state('waiting-lock', { rebootRequired: true, bootId: 'boot-1' }) });
  await new Promise((r) => setTimeout(r, 500));
  w.finish();
  assert.deepEqual(w.violations.map((v) => v.promise), [5], JSON.stringify(w.violations));
  await w.stop();
});

test('the watcher keeps watching through an API server restart', { timeout: 120_000 }, async () => {
  const w = await watch();
  await c.restartApiServer(1000);
  for (const n of ['w-9', 'w-10', 'w-11']) {
    await waitFor(`patch ${n}`, async () => {
      await annotate(n, { 'nodemend.dev/cordoned-by': 'nodemend-agent', 'nodemend.dev/state': state('draining') }, true);
      return true;
    }, 30_000);
  }
  await waitFor('violation after restart', async () => w.violations.some((v) => v.promise === 1), 30_000);
  await w.stop();
});

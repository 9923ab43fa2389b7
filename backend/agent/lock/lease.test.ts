// Start-up with half a lock (one slot taken over while no agent ran), against a fake Lease API:
// before anything was disrupted the rest is given back; further along the lock is marked lost so
// the runtime never reboots on it. The cluster slot is judged even while the node's labels (its
// scope) are not known yet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { LeaseLock } from './lease.ts';
import { metaAnnotations } from './meta.ts';
import type { HeldLock } from '../ports.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const ZONE = 'topology.kubernetes.io/zone';

function lockWith(held: Record<string, string>, stage: HeldLock['stage'], labels: Record<string, string> | undefined) {
  const meta: HeldLock = { leases: [], acquiredAt: NOW - 60_000, stage, stageAt: NOW - 1000, bootIdBefore: 'b1', wasUnschedulable: false, forced: false };
  const leases = Object.entries(held).map(([name, holder]) => ({ metadata: { name, resourceVersion: '1', annotations: metaAnnotations(meta) }, spec: { holderIdentity: holder } }) as k8s.V1Lease);
  const released: string[] = [];
  const api = {
    listNamespacedLease: async () => ({ items: structuredClone(leases) }),
    readNamespacedLease: async ({ name }: { name: string }) => structuredClone(leases.find((l) => l.metadata!.name === name)!),
    replaceNamespacedLease: async ({ name, body }: { name: string; body: k8s.V1Lease }) => {
      if (!body.spec?.holderIdentity) released.push(name);
      return body;
    },
  };
  const kc = { makeApiClient: () => api } as unknown as k8s.KubeConfig;
  const log = { info() {}, warn() {}, error() {} };
  const lock = new LeaseLock(kc, { node: 'me', namespace: 'nodemend', clusterLimit: 1, scope: { label: ZONE, limit: 1 }, graceMs: 60_000, maxRebootMs: 600_000, renewIntervalMs: 0, nodeLabels: () => labels, now: () => NOW }, log);
  return { lock, released };
}

test('both slots held: the lock resumes, not lost', async () => {
  const { lock } = lockWith({ 'nodemend-lock-0': 'me', 'nodemend-lock-a-0': 'me' }, 'cordoned', { [ZONE]: 'a' });
  const h = await lock.held();
  assert.deepEqual(h?.leases, ['nodemend-lock-0', 'nodemend-lock-a-0']);
  assert.equal(h?.lost, undefined);
});

test('zone slot taken over while draining: lost, naming the slot', async () => {
  const { lock, released } = lockWith({ 'nodemend-lock-0': 'me', 'nodemend-lock-a-0': 'other' }, 'cordoned', { [ZONE]: 'a' });
  const h = await lock.held();
  assert.match(h?.lost?.reason ?? '', /no longer holds its topology.kubernetes.io\/zone=a slot/);
  assert.deepEqual(released, []);
});

test('labels not known yet, cluster slot taken over after the drain: lost all the same', async () => {
  const { lock } = lockWith({ 'nodemend-lock-0': 'other', 'nodemend-lock-a-0': 'me' }, 'drained', undefined);
  const h = await lock.held();
  assert.deepEqual(h?.leases, ['nodemend-lock-a-0']);
  assert.match(h?.lost?.reason ?? '', /no longer holds its cluster slot/);
});

test('labels not known yet, only the zone slot at stage acquired: given back', async () => {
  const { lock, released } = lockWith({ 'nodemend-lock-a-0': 'me' }, 'acquired', undefined);
  assert.equal(await lock.held(), undefined);
  assert.deepEqual(released, ['nodemend-lock-a-0']);
});

// A slow acquisition (finding 1): the zone slot is taken first, the cluster slot much later. A
// fake Lease API with compare-and-swap on resourceVersion and a clock the calls advance.
function slowWorld(o: { clusterCreateMs: number; onClusterCreate?: (store: Map<string, k8s.V1Lease>) => void; nodes?: Record<string, k8s.V1Node | undefined>; leases?: k8s.V1Lease[] }) {
  let t = NOW;
  let rv = 10;
  const store = new Map<string, k8s.V1Lease>();
  for (const l of o.leases ?? []) store.set(l.metadata!.name!, structuredClone(l));
  const conflict = () => Object.assign(new Error('conflict'), { code: 409 });
  const write = (body: k8s.V1Lease) => {
    const stored = structuredClone(body);
    stored.metadata!.resourceVersion = String(++rv);
    store.set(body.metadata!.name!, stored);
    return structuredClone(stored);
  };
  const api = {
    listNamespacedLease: async () => ({ items: [...store.values()].map((l) => structuredClone(l)) }),
    readNamespacedLease: async ({ name }: { name: string }) => {
      const l = store.get(name);
      if (!l) throw Object.assign(new Error('not found'), { code: 404 });
      return structuredClone(l);
    },
    createNamespacedLease: async ({ body }: { body: k8s.V1Lease }) => {
      if (store.has(body.metadata!.name!)) throw conflict();
      if (body.metadata!.name === 'nodemend-lock-0') {
        t += o.clusterCreateMs;
        o.onClusterCreate?.(store);
      }
      return write(body);
    },
    replaceNamespacedLease: async ({ name, body }: { name: string; body: k8s.V1Lease }) => {
      if (store.get(name)?.metadata?.resourceVersion !== body.metadata?.resourceVersion) throw conflict();
      return write(body);
    },
    readNode: async ({ name }: { name: string }) => {
      const n = o.nodes?.[name];
      if (!n) throw Object.assign(new Error('not found'), { code: 404 });
      return n;
    },
  };
  // An API server outage: every call fails as a refused connection would.
  let down = false;
  for (const [k, f] of Object.entries(api)) {
    (api as Record<string, unknown>)[k] = async (...a: unknown[]) => {
      if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 503 });
      return (f as (...x: unknown[]) => unknown)(...a);
    };
  }
  const kc = { makeApiClient: () => api } as unknown as k8s.KubeConfig;
  const log = { info() {}, warn() {}, error() {} };
  // The wall clock may step (wallStep); durations follow the monotonic clock t.
  let wallStep = 0;
  const lock = new LeaseLock(kc, { node: 'me', namespace: 'nodemend', clusterLimit: 1, scope: { label: ZONE, limit: 1 }, graceMs: 20_000, maxRebootMs: 600_000, renewIntervalMs: 0, nodeLabels: () => ({ [ZONE]: 'a' }), now: () => t + wallStep, elapsed: () => t }, log);
  /** The holder of a slot writes it (a renewal) with the time its own clock shows. */
  const renew = (name: string, renewTime: number) => {
    const l = store.get(name)!;
    l.spec!.renewTime = new Date(renewTime) as unknown as k8s.V1MicroTime;
    write(l);
  };
  return { lock, store, now: () => t, advance: (ms: number) => void (t += ms), stepWall: (ms: number) => void (wallStep += ms), setDown: (d: boolean) => void (down = d), renew };
}
const META = { wasUnschedulable: false, bootIdBefore: 'b1', forced: false };

test('slow cluster slot: the zone slot taken first is renewed when the lock is complete (finding 1)', async () => {
  const w = slowWorld({ clusterCreateMs: 30_000 });
  const r = await w.lock.tryAcquire(META);
  assert.ok(r.ok);
  assert.deepEqual(r.lock.leases, ['nodemend-lock-a-0', 'nodemend-lock-0']);
  const renewed = Date.parse(String(w.store.get('nodemend-lock-a-0')!.spec!.renewTime));
  assert.equal(renewed, w.now(), 'the zone slot must not look silent for the 30 s the cluster slot took (grace 20 s)');
});

test('zone slot taken over while the cluster slot was acquired: no lock, the cluster slot given back (finding 1)', async () => {
  const w = slowWorld({
    clusterCreateMs: 30_000,
    onClusterCreate: (store) => {
      const z = store.get('nodemend-lock-a-0')!;
      z.spec!.holderIdentity = 'other';
      z.metadata!.resourceVersion = '999';
    },
  });
  const r = await w.lock.tryAcquire(META);
  assert.equal(r.ok, false, 'half a lock is never held');
  assert.match(r.ok ? '' : r.reason, /nodemend-lock-a-0 was taken over by other/);
  assert.equal(w.store.get('nodemend-lock-0')!.spec?.holderIdentity, undefined, 'the cluster slot is released');
  assert.equal(w.store.get('nodemend-lock-a-0')!.spec?.holderIdentity, 'other', 'the other node keeps its slot');
});

const staleZone = (holder: string, renewAgoMs: number): k8s.V1Lease => ({
  metadata: { name: 'nodemend-lock-a-0', resourceVersion: '1', annotations: metaAnnotations({ leases: [], acquiredAt: NOW - 900_000, stage: 'cordoned', stageAt: NOW - 900_000, bootIdBefore: 'x', wasUnschedulable: false, forced: false }) },
  spec: { holderIdentity: holder, acquireTime: new Date(NOW - 900_000) as unknown as k8s.V1MicroTime, renewTime: new Date(NOW - renewAgoMs) as unknown as k8s.V1MicroTime },
});
const readyNode = (annotations: Record<string, string>): k8s.V1Node => ({
  metadata: { name: 'old', annotations },
  status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(NOW - 900_000) }] },
});

test('a deleted holder\'s slot taken over is reported for a LockRecovered Event (finding 4)', async () => {
  const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 900_000)] });
  const r = await w.lock.tryAcquire(META);
  assert.ok(r.ok);
  assert.equal(r.recovered?.length, 1);
  assert.equal(r.recovered![0]!.lease, 'nodemend-lock-a-0');
  assert.equal(r.recovered![0]!.holder, 'old');
  assert.match(r.recovered![0]!.why, /old was deleted/);
});

test('a Ready holder still cordoned by nodemend keeps its slot past the grace (finding 2)', async () => {
  const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 60_000)], nodes: { old: readyNode({ 'nodemend.dev/cordoned-by': 'nodemend-agent' }) } });
  const r = await w.lock.tryAcquire(META);
  assert.equal(r.ok, false);
  assert.equal(w.store.get('nodemend-lock-a-0')!.spec!.holderIdentity, 'old');
});

test('a Ready holder publishing a disrupted phase keeps its slot past the grace (finding 2)', async () => {
  const state = JSON.stringify({ v: 1, phase: 'verifying', reason: 'r', since: new Date(NOW).toISOString(), rebootRequired: false, agent: 'x' });
  const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 60_000)], nodes: { old: readyNode({ 'nodemend.dev/state': state }) } });
  assert.equal((await w.lock.tryAcquire(META)).ok, false);
});

test('a Ready, uncordoned holder whose record has not changed for the grace (by this agent\'s clock) loses its slot', async () => {
  const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 60_000)], nodes: { old: readyNode({}) } });
  // Its renewTime says a minute ago, but only what this agent saw counts: first sight is now.
  assert.equal((await w.lock.tryAcquire(META)).ok, false, 'first sight: held');
  w.advance(21_000);
  const r = await w.lock.tryAcquire(META);
  assert.ok(r.ok);
  assert.match(r.recovered?.[0]?.why ?? '', /Ready but has not renewed for 21s/);
});

// A step of this agent's own wall clock (NTP correcting a skewed machine) must not age what it saw:
// durations are measured on the monotonic clock (finding 11: a 297 s forward step made a holder
// NotReady for 6 s look down for 305 s, and its slot was taken).
for (const stepMs of [297_000, -297_000]) {
  test(`a ${stepMs > 0 ? 'forward' : 'backward'} step of this agent's wall clock neither ages nor freshens a holder`, async () => {
    const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 0)], nodes: { old: readyNode({}) } });
    w.renew('nodemend-lock-a-0', w.now());
    assert.equal((await w.lock.tryAcquire(META)).ok, false);
    w.advance(6_000);
    w.stepWall(stepMs);
    assert.equal((await w.lock.tryAcquire(META)).ok, false, 'silent 6 s by the monotonic clock: within the grace');
    w.advance(15_000);
    assert.ok((await w.lock.tryAcquire(META)).ok, 'silent 21 s: past the 20 s grace, whatever the wall clock did');
  });
}

test("an API server outage is not the holder's silence: it gets a whole grace once the API answers again (finding 10)", async () => {
  const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 0)], nodes: { old: readyNode({}) } });
  w.renew('nodemend-lock-a-0', w.now());
  assert.equal((await w.lock.tryAcquire(META)).ok, false);
  w.setDown(true);
  w.advance(10_000);
  await assert.rejects(w.lock.tryAcquire(META), /ECONNREFUSED/);
  w.advance(50_000); // 60 s without a renewal, all of it while nobody could reach the API server
  w.setDown(false);
  assert.equal((await w.lock.tryAcquire(META)).ok, false, 'the holder had no chance to renew: within a grace of the API answering');
  w.advance(21_000);
  assert.ok((await w.lock.tryAcquire(META)).ok, 'still silent a grace after the API came back: taken over');
});

// Clock skew: the holder's clock is 10 minutes off this agent's. Its renewTime then looks 10
// minutes old (or 10 minutes ahead), but it keeps renewing: never taken over. And a holder that
// stops renewing is taken over one grace (20 s here) after its last renewal, whatever its clock said.
for (const skewMs of [-600_000, 600_000]) {
  const dir = skewMs < 0 ? 'behind' : 'ahead';
  test(`clock skew: a holder 10 minutes ${dir} that keeps renewing keeps its slot`, async () => {
    const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 0)], nodes: { old: readyNode({}) } });
    for (let i = 0; i < 30; i++) {
      w.renew('nodemend-lock-a-0', w.now() + skewMs);
      const r = await w.lock.tryAcquire(META);
      assert.equal(r.ok, false, `round ${i}: ${r.ok ? 'taken over' : ''}`);
      w.advance(7_000); // renewals every grace/3
    }
    assert.equal(w.store.get('nodemend-lock-a-0')!.spec!.holderIdentity, 'old');
  });

  test(`clock skew: a holder 10 minutes ${dir} that stops renewing loses its slot after the grace`, async () => {
    const w = slowWorld({ clusterCreateMs: 0, leases: [staleZone('old', 0)], nodes: { old: readyNode({}) } });
    w.renew('nodemend-lock-a-0', w.now() + skewMs);
    assert.equal((await w.lock.tryAcquire(META)).ok, false);
    w.advance(19_000);
    assert.equal((await w.lock.tryAcquire(META)).ok, false, 'within the grace');
    w.advance(2_000);
    const r = await w.lock.tryAcquire(META);
    assert.ok(r.ok, 'after the grace');
  });
}

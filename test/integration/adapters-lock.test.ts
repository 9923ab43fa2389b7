// The Lease lock against a real API server: races of many contenders give exactly M holders (and
// at most N per zone), stale slots are recovered by the rules (deleted holder at once, NotReady
// holder kept up to the maximum reboot duration, silent Ready holder after the grace period),
// 409s are retried, and a restarted agent finds its lock with the stage it recorded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, ZONE_LABEL, type TestCluster } from '../../tools/harness/index.ts';
import { parseConfig } from '../../backend/agent/config/config.ts';
import { wireAdapters } from '../../backend/agent/kube/wire.ts';
import { LeaseLock, type LeaseLockOptions } from '../../backend/agent/lock/lease.ts';
import { TURN_STEP_MS } from '../../backend/agent/lock/slots.ts';
import { silentLogger } from '../../backend/shared/log.ts';

const NS = 'nodemend';
let c: TestCluster;
let coord: k8s.CoordinationV1Api;
let nodes: string[];
const labels = new Map<string, Record<string, string>>();

before(async () => {
  c = await startCluster();
  coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  nodes = await c.addNodes(12, { prefix: 'n', zones: ['a', 'b', 'c'] });
  for (const n of (await c.core.listNode()).items) labels.set(n.metadata!.name!, n.metadata!.labels ?? {});
  await c.ensureNamespace(NS);
}, { timeout: 180_000 });
after(async () => {
  await c?.stop();
});

function lock(node: string, o: Partial<LeaseLockOptions> = {}): LeaseLock {
  return new LeaseLock(c.kc, { node, namespace: NS, clusterLimit: 1, graceMs: 60_000, maxRebootMs: 600_000, renewIntervalMs: 0, nodeLabels: () => labels.get(node), ...o }, silentLogger);
}
const meta = { wasUnschedulable: false, bootIdBefore: 'b0', forced: false };

async function holders(): Promise<Map<string, string>> {
  const l = await coord.listNamespacedLease({ namespace: NS });
  const m = new Map<string, string>();
  for (const x of l.items) if (x.metadata!.name!.startsWith('nodemend-lock-') && x.spec?.holderIdentity) m.set(x.metadata!.name!, x.spec.holderIdentity);
  return m;
}
async function releaseAll(locks: LeaseLock[]): Promise<void> {
  for (const l of locks) {
    const h = await l.held();
    if (h) await l.release(h);
  }
  assert.equal((await holders()).size, 0, 'all slots free after release');
}

test('race: 12 contenders, M=3, three rounds: exactly 3 holders each time', { timeout: 120_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const locks = nodes.map((n) => lock(n, { clusterLimit: 3 }));
    const results = await Promise.all(locks.map((l) => l.tryAcquire(meta)));
    const won = results.filter((r) => r.ok).length;
    assert.equal(won, 3, `round ${round}: winners`);
    const h = await holders();
    assert.equal(h.size, 3);
    assert.equal(new Set(h.values()).size, 3, 'three distinct holders');
    for (const r of results) if (!r.ok) assert.match(r.reason, /all 3 slots of the cluster are taken/);
    await releaseAll(locks);
  }
});

test('race with per-zone scope: M=2, N=1 gives 2 holders in 2 zones and no leaked zone slot', { timeout: 120_000 }, async () => {
  const locks = nodes.map((n) => lock(n, { clusterLimit: 2, scope: { label: ZONE_LABEL, limit: 1 } }));
  const results = await Promise.all(locks.map((l) => l.tryAcquire(meta)));
  const winners = nodes.filter((_, i) => results[i].ok);
  assert.equal(winners.length, 2);
  assert.notEqual(labels.get(winners[0])![ZONE_LABEL], labels.get(winners[1])![ZONE_LABEL]);
  const h = await holders();
  // Each winner holds one zone slot and one cluster slot; losers hold nothing.
  assert.deepEqual([...new Set(h.values())].sort(), [...winners].sort());
  assert.equal(h.size, 4);
  const scope = await coord.readNamespacedLease({ name: [...h.keys()].find((k) => !/^nodemend-lock-\d+$/.test(k))!, namespace: NS });
  assert.match(scope.metadata!.annotations!['nodemend.dev/scope'], /^topology\.kubernetes\.io\/zone=[abc]$/);
  await releaseAll(locks);
});

test('per-zone scope with a wide cluster limit: one holder per zone', { timeout: 120_000 }, async () => {
  const locks = nodes.map((n) => lock(n, { clusterLimit: 10, scope: { label: ZONE_LABEL, limit: 1 } }));
  const results = await Promise.all(locks.map((l) => l.tryAcquire(meta)));
  const winners = nodes.filter((_, i) => results[i].ok);
  assert.equal(winners.length, 3);
  assert.deepEqual(winners.map((w) => labels.get(w)![ZONE_LABEL]).sort(), ['a', 'b', 'c']);
  await releaseAll(locks);
});

test('409: contenders with a stale (empty) cache both try slot 0; one wins, the other re-reads', { timeout: 60_000 }, async () => {
  const stale = () => [] as k8s.V1Lease[];
  const [a, b] = [lock(nodes[0], { cachedLeases: stale }), lock(nodes[1], { cachedLeases: stale })];
  const [ra, rb] = await Promise.all([a.tryAcquire(meta), b.tryAcquire(meta)]);
  assert.equal([ra, rb].filter((r) => r.ok).length, 1);
  // With room for two, the loser of the create race takes slot 1 after re-reading.
  await releaseAll([a, b]);
  const [a2, b2] = [lock(nodes[0], { cachedLeases: stale, clusterLimit: 2 }), lock(nodes[1], { cachedLeases: stale, clusterLimit: 2 })];
  const both = await Promise.all([a2.tryAcquire(meta), b2.tryAcquire(meta)]);
  assert.ok(both.every((r) => r.ok));
  assert.deepEqual([...(await holders()).keys()].sort(), ['nodemend-lock-0', 'nodemend-lock-1']);
  await releaseAll([a2, b2]);
});

test('restart: held() returns the recorded stage and metadata; update after takeover says lock lost', { timeout: 60_000 }, async () => {
  const a = lock(nodes[0]);
  const r = await a.tryAcquire({ wasUnschedulable: true, bootIdBefore: 'boot-x', forced: true });
  assert.ok(r.ok);
  await a.update({ ...r.lock, stage: 'drained', stageAt: Date.now() });
  const again = await lock(nodes[0]).held();
  assert.ok(again);
  assert.equal(again.stage, 'drained');
  assert.equal(again.bootIdBefore, 'boot-x');
  assert.equal(again.wasUnschedulable, true);
  assert.equal(again.forced, true);
  assert.deepEqual(again.leases, ['nodemend-lock-0']);
  // Somebody else writes the lease (e.g. a takeover): our next update must fail loudly.
  const l = await coord.readNamespacedLease({ name: 'nodemend-lock-0', namespace: NS });
  l.spec!.holderIdentity = nodes[5];
  await coord.replaceNamespacedLease({ name: 'nodemend-lock-0', namespace: NS, body: l });
  await assert.rejects(a.update(again), /lock lost/);
  await a.release(again); // a no-op on a lease we no longer hold
  assert.equal((await holders()).get('nodemend-lock-0'), nodes[5]);
  await lock(nodes[5]).release({ ...again, leases: ['nodemend-lock-0'] });
  assert.equal((await holders()).size, 0);
});

test('partial lock (zone slot without cluster slot) found at start-up is given back', { timeout: 60_000 }, async () => {
  const scoped = (n: string) => lock(n, { scope: { label: ZONE_LABEL, limit: 1 } });
  // Take only the zone slot, as if the agent died between the two acquisitions.
  const zoneOnly = lock(nodes[0], { clusterLimit: 1, scope: { label: ZONE_LABEL, limit: 1 } });
  const r = await zoneOnly.tryAcquire(meta);
  assert.ok(r.ok);
  const clusterLease = r.lock.leases.find((n) => /^nodemend-lock-\d+$/.test(n))!;
  await zoneOnly.release({ ...r.lock, leases: [clusterLease] });
  assert.equal((await holders()).size, 1);
  assert.equal(await scoped(nodes[0]).held(), undefined);
  assert.equal((await holders()).size, 0);
  // Labels not known yet: the scope cannot be told, so nothing is taken (fail closed).
  const blind = lock(nodes[0], { scope: { label: ZONE_LABEL, limit: 1 }, nodeLabels: () => undefined });
  const r2 = await blind.tryAcquire(meta);
  assert.ok(!r2.ok && /labels are not known yet/.test(r2.reason));
  assert.equal((await holders()).size, 0);
});

test('stale: a deleted holder frees its slot at once', { timeout: 60_000 }, async () => {
  const [ghost] = await c.addNodes(1, { prefix: 'ghost' });
  const g = lock(ghost);
  assert.ok((await g.tryAcquire(meta)).ok);
  const other = lock(nodes[3]);
  const refused = await other.tryAcquire(meta);
  assert.ok(!refused.ok && /held by ghost-0/.test(refused.reason));
  await c.core.deleteNode({ name: ghost });
  const r = await other.tryAcquire(meta);
  assert.ok(r.ok, 'took over the deleted holder slot');
  await other.release(r.lock);
});

test('stale: a NotReady holder keeps its slot until the maximum reboot duration', { timeout: 60_000 }, async () => {
  const holder = lock(nodes[4]);
  const r = await holder.tryAcquire(meta);
  assert.ok(r.ok);
  await holder.update({ ...r.lock, stage: 'rebooting', stageAt: Date.now() });
  await c.setNodeReady(nodes[4], false);
  const patient = await lock(nodes[6], { maxRebootMs: 600_000 }).tryAcquire(meta);
  assert.ok(!patient.ok);
  assert.match(patient.reason, /NotReady/);
  // The reboot's age is measured by the waiter's own clock, from when it first saw it.
  const strict = lock(nodes[6], { maxRebootMs: 2000 });
  assert.ok(!(await strict.tryAcquire(meta)).ok, 'first sight of the rebooting holder');
  await new Promise((res) => setTimeout(res, 2500));
  const took = await strict.tryAcquire(meta);
  assert.ok(took.ok, 'taken over after the maximum reboot duration');
  await strict.release(took.lock);
  await c.setNodeReady(nodes[4], true);
});

test('stale: a Ready holder that stopped renewing loses its slot after the grace period', { timeout: 60_000 }, async () => {
  await c.waitNodesReady([nodes[4]]);
  const holder = lock(nodes[7]);
  const r = await holder.tryAcquire(meta);
  assert.ok(r.ok);
  const patient = lock(nodes[8], { graceMs: 60_000 });
  const impatient = lock(nodes[8], { graceMs: 2000 });
  // Silence is timed by the waiter's own clock, from its first sight of the record.
  assert.ok(!(await patient.tryAcquire(meta)).ok && !(await impatient.tryAcquire(meta)).ok, 'first sight: kept');
  await new Promise((res) => setTimeout(res, 2500));
  assert.ok(!(await patient.tryAcquire(meta)).ok, 'within grace: kept');
  const took = await impatient.tryAcquire(meta);
  assert.ok(took.ok);
  await impatient.release(took.lock);
});

test('renewal keeps a live holder from being taken over, whatever its clock says (10 minutes behind or ahead)', { timeout: 60_000 }, async () => {
  for (const skew of [0, -600_000, 600_000]) {
    const holder = lock(nodes[9], { graceMs: 2000, renewIntervalMs: 400, now: () => Date.now() + skew });
    const r = await holder.tryAcquire(meta);
    assert.ok(r.ok);
    const waiter = lock(nodes[10], { graceMs: 2000 });
    for (const end = Date.now() + 3500; Date.now() < end; ) {
      assert.ok(!(await waiter.tryAcquire(meta)).ok, `skew ${skew / 60_000} min: taken over`);
      await new Promise((res) => setTimeout(res, 250));
    }
    await holder.release(r.lock);
    holder.stop();
  }
});

test('waiting markers give the queue order', { timeout: 60_000 }, async () => {
  const ws = [nodes[2], nodes[5], nodes[1]].map((n) => lock(n));
  for (const w of ws) {
    await w.setWaiting(true);
    await w.setWaiting(true); // idempotent
    await new Promise((res) => setTimeout(res, 20));
  }
  const l = await coord.listNamespacedLease({ namespace: NS });
  const cache = () => l.items;
  const holder = lock(nodes[0], { cachedLeases: cache });
  const first = await holder.tryAcquire(meta);
  assert.ok(first.ok);
  const r = await lock(nodes[5], { cachedLeases: cache }).tryAcquire(meta);
  assert.ok(!r.ok);
  assert.equal(r.position, 2);
  for (const w of ws) await w.setWaiting(false);
  const left = (await coord.listNamespacedLease({ namespace: NS })).items.filter((x) => x.metadata!.name!.startsWith('nodemend-wait-'));
  assert.equal(left.length, 0);
  await holder.release(first.lock);
});

test('turn: when a slot frees up, the queue\'s first waiter goes at once and the next one step later; nobody while full', { timeout: 60_000 }, async () => {
  let cache: k8s.V1Lease[] = [];
  const refresh = async () => {
    cache = (await coord.listNamespacedLease({ namespace: NS })).items;
  };
  const mk = (n: string) => lock(n, { cachedLeases: () => cache });
  const [holder, w1, w2] = [mk(nodes[3]), mk(nodes[4]), mk(nodes[6])];
  await refresh();
  const first = await holder.tryAcquire(meta);
  assert.ok(first.ok);
  await w1.setWaiting(true);
  await new Promise((res) => setTimeout(res, 20));
  await w2.setWaiting(true);
  await refresh();
  assert.equal(w1.turn(), undefined, 'the only slot is held: a Lease change (say a renewal) wakes nobody');
  assert.equal(w2.turn(), undefined);
  await holder.release(first.lock);
  await refresh();
  assert.equal(w1.turn(), 0, 'first in the queue: at once');
  assert.equal(w2.turn(), TURN_STEP_MS, 'second: one step later');
  const next = await w1.tryAcquire(meta);
  assert.ok(next.ok);
  await w1.setWaiting(false);
  await refresh();
  assert.equal(w2.turn(), undefined, 'taken again');
  const refused = await w2.tryAcquire(meta);
  assert.ok(!refused.ok && refused.position === 1, 'the loser tried from the cache and is first in line now');
  await w2.setWaiting(false);
  await w1.release(next.lock);
  assert.equal((await holders()).size, 0);
});

test('wired from a parsed configuration: informer-backed lock, node facts, waiting position', { timeout: 60_000 }, async () => {
  const mk = (node: string) => {
    const r = parseConfig([`--node-id=${node}`, '--concurrency=1', `--concurrency-scope=${ZONE_LABEL}`, `--lock-namespace=${NS}`, `--ds-namespace=${NS}`], {});
    assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
    return wireAdapters(c.kc, r.config, silentLogger);
  };
  const [a, b] = [mk(nodes[11]), mk(nodes[10])];
  try {
    await Promise.all([a.informers.waitSynced(), b.informers.waitSynced()]);
    assert.equal(a.node.facts()?.name, nodes[11]);
    const got = await a.lock.tryAcquire(meta);
    assert.ok(got.ok);
    assert.equal(got.lock.leases.length, 2, 'zone slot and cluster slot');
    await b.lock.setWaiting(true);
    await waitFor('lease cache', async () => b.informers.leaseList().some((l) => l.spec?.holderIdentity === nodes[11]) && b.informers.leaseList().some((l) => l.metadata?.name === `nodemend-wait-${nodes[10]}`), 10_000);
    const refused = await b.lock.tryAcquire(meta);
    assert.ok(!refused.ok);
    assert.equal(refused.position, 1);
    await b.lock.setWaiting(false);
    await a.lock.release(got.lock);
    assert.equal((await holders()).size, 0);
    assert.match(await a.metrics.registry.metrics(), /kured_reboot_required\{node="n-11"\} 0/);
  } finally {
    await a.stop();
    await b.stop();
  }
});

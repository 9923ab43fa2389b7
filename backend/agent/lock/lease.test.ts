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

// The held side of the Lease lock, against a fake Lease API: a slot another node holds now is
// never written (not renewed, not released: releasing it would free their slot), renewal reports
// a takeover once and keeps renewing the rest, and a stage update on a lost slot throws.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { LockLostError, type HeldLock, type LockLost } from '../ports.ts';
import { HeldLeases } from './held.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');

function fakeApi(holders: Record<string, string>) {
  const writes: { name: string; holder: string; renew?: unknown; stage?: string }[] = [];
  const leases = new Map(Object.entries(holders).map(([name, h]) => [name, { metadata: { name, resourceVersion: '1', annotations: {} }, spec: { holderIdentity: h } } as k8s.V1Lease]));
  const api = {
    readNamespacedLease: async ({ name }: { name: string }) => structuredClone(leases.get(name)!),
    replaceNamespacedLease: async ({ name, body }: { name: string; body: k8s.V1Lease }) => {
      writes.push({ name, holder: body.spec?.holderIdentity ?? '', renew: body.spec?.renewTime, stage: body.metadata?.annotations?.['nodemend.dev/stage'] });
      leases.set(name, body);
      return body;
    },
  };
  return { api: api as unknown as k8s.CoordinationV1Api, writes, leases };
}

const lock = (leases: string[]): HeldLock => ({ leases, acquiredAt: NOW - 1000, stage: 'cordoned', stageAt: NOW - 500, bootIdBefore: 'b1', wasUnschedulable: false, forced: false });
const held = (api: k8s.CoordinationV1Api, renewIntervalMs = 0) => new HeldLeases(api, { node: 'me', namespace: 'nodemend', renewIntervalMs, now: () => NOW }, (_op, p) => p, { info() {}, warn() {}, error() {} });

test('release frees our slots and never one another node holds now', async () => {
  const f = fakeApi({ 'nodemend-lock-0': 'other', 'nodemend-lock-a-0': 'me' });
  await held(f.api).release(lock(['nodemend-lock-0', 'nodemend-lock-a-0']));
  assert.deepEqual(f.writes.map((w) => [w.name, w.holder]), [['nodemend-lock-a-0', '']]);
  assert.equal(f.leases.get('nodemend-lock-0')?.spec?.holderIdentity, 'other');
});

test('update on a slot taken over throws LockLostError, tells the listeners once, and drops the slot', async () => {
  const f = fakeApi({ 'nodemend-lock-0': 'other', 'nodemend-lock-a-0': 'me' });
  const h = held(f.api);
  const heard: LockLost[] = [];
  h.onLost((l) => heard.push(l));
  h.keep(lock(['nodemend-lock-a-0', 'nodemend-lock-0']));
  await assert.rejects(h.update({ ...lock(['nodemend-lock-a-0', 'nodemend-lock-0']), stage: 'rebooting' }), (e: unknown) => e instanceof LockLostError && /nodemend-lock-0 is now held by other/.test(e.message));
  assert.deepEqual(heard, [{ lease: 'nodemend-lock-0', holder: 'other', at: NOW }]);
  assert.deepEqual(h.current?.leases, ['nodemend-lock-a-0']);
  assert.ok(!f.writes.some((w) => w.name === 'nodemend-lock-0'), 'the lost slot is never written');
  await assert.rejects(h.update({ ...lock(['nodemend-lock-0']), stage: 'rebooting' }), LockLostError);
  assert.equal(heard.length, 1, 'told once');
  h.stop();
});

test('renewal finds a takeover, reports it, and keeps renewing the slot still held', async () => {
  const f = fakeApi({ 'nodemend-lock-0': 'me', 'nodemend-lock-a-0': 'me' });
  const h = held(f.api, 20);
  const heard: LockLost[] = [];
  h.onLost((l) => heard.push(l));
  h.keep(lock(['nodemend-lock-0', 'nodemend-lock-a-0']));
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(f.writes.some((w) => w.name === 'nodemend-lock-0'), 'renewed while ours');
  f.leases.get('nodemend-lock-0')!.spec!.holderIdentity = 'intruder';
  const before = f.writes.length;
  await new Promise((r) => setTimeout(r, 80));
  h.stop();
  assert.deepEqual(heard.map((l) => [l.lease, l.holder]), [['nodemend-lock-0', 'intruder']]);
  const after = f.writes.slice(before);
  assert.ok(after.length > 0 && after.every((w) => w.name === 'nodemend-lock-a-0'), `only the slot still held is renewed: ${JSON.stringify(after.map((w) => w.name))}`);
  assert.deepEqual(h.current?.leases, ['nodemend-lock-a-0']);
});

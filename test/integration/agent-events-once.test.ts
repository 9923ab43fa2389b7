// The outcome Events of a reboot attempt against a real API server: an Event recorded with a key
// (the attempt) is recorded once even by two processes of the agent (the one that finished and the
// one that repeats the finish after a restart), while an Event without a key keeps the recorder's
// usual per-process aggregation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { EventRecorder } from '../../backend/agent/kube/events.ts';
import { silentLogger } from '../../backend/shared/log.ts';

let c: TestCluster;
let node: string;

before(async () => {
  c = await startCluster();
  [node] = await c.addNodes(1, { prefix: 'ev' });
}, { timeout: 180_000 });
after(async () => {
  await c?.stop();
});

const reasons = async () => (await c.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${node},involvedObject.kind=Node` })).items.map((e) => `${e.reason} x${e.count}`).sort();

test('a keyed Event is recorded once across a restart; an unkeyed one by each process', { timeout: 60_000 }, async () => {
  const attempt = JSON.stringify(['2026-06-17T12:00:00Z', 'boot-1', 'boot-2']);
  const before = new EventRecorder(c.kc, { node }, silentLogger);
  await before.record('Normal', 'RebootSucceeded', 'rebooted (boot ID boot-1 -> boot-2) and back in service', undefined, `RebootSucceeded ${attempt}`);
  await before.record('Normal', 'RebootSucceeded', 'rebooted (boot ID boot-1 -> boot-2) and back in service', undefined, `RebootSucceeded ${attempt}`);
  // A new process: nothing in memory of what the first one sent.
  const restarted = new EventRecorder(c.kc, { node }, silentLogger);
  await restarted.record('Normal', 'RebootSucceeded', 'rebooted (boot ID boot-1 -> boot-2) and back in service', undefined, `RebootSucceeded ${attempt}`);
  await restarted.record('Normal', 'LockReleased', 'lock nodemend-lock-0 released (succeeded)', undefined, `LockReleased ${attempt}`);
  // Another attempt is another Event.
  await restarted.record('Normal', 'RebootSucceeded', 'rebooted (boot ID boot-2 -> boot-3) and back in service', undefined, `RebootSucceeded ${JSON.stringify(['2026-06-17T13:00:00Z', 'boot-2', 'boot-3'])}`);
  // Unkeyed: aggregated within a process, a new Event from a new process.
  await before.record('Normal', 'RebootRequired', 'the sentinel says a reboot is needed');
  await before.record('Normal', 'RebootRequired', 'the sentinel says a reboot is needed');
  await restarted.record('Normal', 'RebootRequired', 'the sentinel says a reboot is needed');
  assert.deepEqual(await reasons(), ['LockReleased x1', 'RebootRequired x1', 'RebootRequired x2', 'RebootSucceeded x1', 'RebootSucceeded x1']);
});

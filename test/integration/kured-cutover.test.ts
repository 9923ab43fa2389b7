// Cutover from Kured, through the real runtime against the real API server (simulated hosts). A
// Kured DaemonSet kube-system/kured carries Kured 1.23's lock annotation written exactly as Kured
// writes it (no Kured process needed): its holders count against nodemend's --concurrency (single
// and multi-holder forms, TTL), an annotation nodemend cannot read takes no slot (fail closed, the
// reason says why), and a cordon Kured left behind is undone only when Kured cordoned the node:
// Kured's own field manager wrote the cordon, its lock says the node was schedulable before, and
// no Kured pod runs on the node any more (the real DaemonSet controller creates and removes it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../../tools/harness/index.ts';
import { AgentEnv, mergePatch, sleep } from './agent-support.ts';

const NS = 'kube-system';
const DS = 'kured';
const KEY = 'weave.works/kured-node-lock';
/** Label that lets the Kured DaemonSet run a pod on a node. */
const RUNS = 'example.com/kured';

let env: AgentEnv;

before(async () => {
  env = await AgentEnv.start({
    name: 'kured',
    nodes: 5,
    prefix: 'k',
    setup: async (c) => {
      const labels = { name: 'kured' };
      await c.apps.createNamespacedDaemonSet({
        namespace: NS,
        body: {
          metadata: { name: DS, labels },
          spec: {
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { nodeSelector: { [RUNS]: 'on' }, containers: [{ name: 'kured', image: 'ghcr.io/kubereboot/kured:1.23.0' }] } },
          },
        },
      });
    },
    // k-2 runs with --concurrency=2 (the multi-holder test); the others with 1.
    fleet: {
      flags: ['--period=3s', '--drain-precheck=false', '--stale-lock-grace=15s', '--max-reboot-duration=10m'],
      nodeFlags: (n) => [`--concurrency=${n === 'k-2' ? 2 : 1}`],
    },
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

/** A lock entry as Kured 1.23 writes it: Go time with nanoseconds, TTL in nanoseconds. */
function entry(node: string, wasUnschedulable: boolean, o: { createdMs?: number; ttlMs?: number } = {}) {
  const created = new Date(o.createdMs ?? Date.now()).toISOString().replace('Z', '123456Z');
  return { nodeID: node, metadata: { unschedulable: wasUnschedulable }, created, TTL: (o.ttlMs ?? 0) * 1e6 };
}

function setKuredLock(value: string | null): Promise<unknown> {
  return env.c.apps.patchNamespacedDaemonSet({ name: DS, namespace: NS, body: { metadata: { annotations: { [KEY]: value } } } }, mergePatch());
}

/** A cordon written by the given field manager, the way kubectl's drain helper (Kured) writes it. */
function cordonAs(node: string, fieldManager: string): Promise<unknown> {
  return env.c.core.patchNode({ name: node, body: { spec: { unschedulable: true } }, fieldManager }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
}

const rebootsOf = (n: string) => env.fleet.reboots.filter((r) => r.node === n).length;

/** Waits with the given reason and stays so: no lock slot, no cordon, no reboot. */
async function assertWaits(n: string, phase: string, reason: RegExp): Promise<void> {
  await waitFor(`${n} ${phase}`, async () => {
    const s = await env.state(n);
    return s?.phase === phase && reason.test(s.reason);
  }, 30_000);
  await sleep(7000);
  const s = await env.state(n);
  assert.equal(s?.phase, phase, `still ${phase} two periods later (${s?.reason})`);
  assert.match(s!.reason, reason);
  assert.deepEqual(await env.holders(), [], 'no nodemend lock slot taken');
  assert.ok(!(await env.read(n)).spec?.unschedulable, 'not cordoned');
  assert.equal(rebootsOf(n), 0, 'not rebooted');
}

async function rebootedOnce(n: string): Promise<void> {
  await waitFor(`${n} rebooted`, async () => (await env.history(n))[0]?.outcome === 'succeeded', 60_000);
  assert.equal(rebootsOf(n), 1);
  await waitFor(`${n} released its slot`, async () => (await env.holders()).length === 0, 20_000);
}

test('a Kured lock held by another node fills the one slot: no cordon, no reboot; once Kured releases it, the reboot goes ahead', { timeout: 120_000 }, async () => {
  const n = 'k-0';
  await setKuredLock(JSON.stringify(entry('k-4', false)));
  env.fleet.requireReboot([n]);
  await assertWaits(n, 'waiting-lock', /^waiting for a lock slot: the only slot of the cluster is taken \(1 by Kured's lock on DaemonSet kube-system\/kured: k-4\)$/);
  // Kured's Release deletes the annotation.
  await setKuredLock(null);
  await rebootedOnce(n);
});

test("Kured's multi-holder lock (--concurrency>1): its live holders count, an expired one (TTL) does not", { timeout: 120_000 }, async () => {
  const n = 'k-2'; // --concurrency=2
  await setKuredLock(JSON.stringify({ maxOwners: 2, locks: [entry('k-3', false), entry('k-4', true)] }));
  env.fleet.requireReboot([n]);
  await assertWaits(n, 'waiting-lock', /all 2 slots of the cluster are taken \(2 by Kured's lock on DaemonSet kube-system\/kured: k-3, k-4\)$/);
  // k-4's entry expires (created an hour ago with a 1 m TTL): one Kured holder left, one slot free.
  await setKuredLock(JSON.stringify({ maxOwners: 2, locks: [entry('k-3', false), entry('k-4', true, { createdMs: Date.now() - 3_600_000, ttlMs: 60_000 })] }));
  await rebootedOnce(n);
  await setKuredLock(null);
});

test('an unparseable Kured lock takes no slot (fail closed) and says why; fixed, the reboot goes ahead', { timeout: 120_000 }, async () => {
  const n = 'k-1';
  await setKuredLock('{"nodeID": "k-4", "created": ');
  env.fleet.requireReboot([n]);
  await assertWaits(n, 'blocked', /^no lock slot taken: Kured's lock on DaemonSet kube-system\/kured cannot be read \(annotation weave\.works\/kured-node-lock: not JSON: .*\), so nodemend cannot tell how many nodes Kured is rebooting; remove the annotation once no Kured agent runs, or set --kured-ds-name= \(empty\) to turn the Kured cutover off$/);
  assert.match(await env.eventText(n), /Normal RebootBlocked: no lock slot taken: Kured's lock on DaemonSet kube-system\/kured cannot be read/);
  await setKuredLock(null);
  await rebootedOnce(n);
});

test('cordons Kured left: undone only where Kured cordoned a schedulable node and no longer runs there; a person\'s cordon stays', { timeout: 150_000 }, async () => {
  // k-1: Kured cordoned it and its pod still runs there (the DaemonSet controller puts it there).
  await env.c.core.patchNode({ name: 'k-1', body: { metadata: { labels: { [RUNS]: 'on' } } } }, mergePatch());
  const kuredPod = async () => (await env.c.core.listNamespacedPod({ namespace: NS, fieldSelector: 'spec.nodeName=k-1' })).items.length > 0;
  await waitFor('a Kured pod on k-1', kuredPod, 30_000);
  await cordonAs('k-1', 'kured');
  // k-2: Kured's lock says schedulable before, but a person cordoned it later (kubectl owns the field).
  await cordonAs('k-2', 'kubectl-cordon');
  // k-3: Kured cordoned it (schedulable before) and Kured is gone from it: nodemend uncordons it.
  await cordonAs('k-3', 'kured');
  // k-4: a person cordoned it before Kured took the lock (Kured recorded unschedulable: true).
  await cordonAs('k-4', 'kubectl-cordon');
  await setKuredLock(JSON.stringify({ maxOwners: 4, locks: [entry('k-1', false), entry('k-2', false), entry('k-3', false), entry('k-4', true)] }));

  await waitFor('k-3 uncordoned', async () => !(await env.read('k-3')).spec?.unschedulable, 30_000);
  assert.match(await env.eventText('k-3'), /Normal Uncordoned: uncordoned by nodemend: Kured cordoned this node \(it was schedulable before\) and no Kured agent runs on it any more/);
  await sleep(8000);
  for (const n of ['k-1', 'k-2', 'k-4']) assert.equal((await env.read(n)).spec?.unschedulable, true, `${n} stays cordoned`);

  // Kured stops running on k-1 (its pod removed by the DaemonSet controller): now the cordon is undone.
  await env.c.core.patchNode({ name: 'k-1', body: { metadata: { labels: { [RUNS]: null } } } }, mergePatch());
  await waitFor('the Kured pod gone from k-1', async () => !(await kuredPod()), 60_000);
  await waitFor('k-1 uncordoned', async () => !(await env.read('k-1')).spec?.unschedulable, 30_000);
  for (const n of ['k-2', 'k-4']) assert.equal((await env.read(n)).spec?.unschedulable, true, `${n} still cordoned`);
  assert.equal(env.fleet.reboots.filter((r) => ['k-3', 'k-4'].includes(r.node)).length, 0, 'nothing rebooted');
});

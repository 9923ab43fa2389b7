// Recovery against a real API server: an agent killed mid-drain resumes from the stage in its
// Lease; a lock whose holder node was deleted is free at once; a holder that went NotReady keeps
// its slot, and once back Ready without its agent loses it after the grace; the API server
// restarted mid-drain does not stop the reboot.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { A, parseHistory, parseState } from '../../protocol/annotations.ts';

let c: TestCluster;
let fleet: SimFleet;
let nodes: string[];
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-rec-'));
  c = await startCluster();
  nodes = await c.addNodes(6, { prefix: 'k' });
  for (const i of [0, 2, 5]) {
    await c.addPod({ namespace: 'default', name: `held-${i}`, node: nodes[i], owner: 'ReplicaSet' });
    await c.addPdb({ namespace: 'default', name: `pdb-${i}`, selector: { app: `held-${i}` }, minAvailable: 1 });
  }
  fleet = await SimFleet.start(nodes, {
    kubeconfigPath: c.kubeconfigPath,
    dir,
    rebootMs: 1000,
    flags: ['--period=3s', '--concurrency=1', '--drain-precheck=false', '--stale-lock-grace=10s', '--max-reboot-duration=10m'],
    evictionRetryMs: 500,
  });
}, { timeout: 240_000 });

after(async () => {
  await fleet?.stop();
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const read = (n: string) => c.core.readNode({ name: n });
const state = async (n: string) => parseState((await read(n)).metadata?.annotations?.[A.state]);
const history = async (n: string) => parseHistory((await read(n)).metadata?.annotations?.[A.history]);
async function holders(): Promise<string[]> {
  const l = await c.kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: 'nodemend' });
  return l.items.filter((x) => x.metadata!.name!.startsWith('nodemend-lock-') && x.spec?.holderIdentity).map((x) => x.spec!.holderIdentity!);
}
const deletePdb = (name: string) => c.kc.makeApiClient(k8s.PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name, namespace: 'default' });
const draining = (n: string) => waitFor(`${n} draining`, async () => (await state(n))?.phase === 'draining' && (await holders()).includes(n) && !!(await read(n)).spec?.unschedulable, 30_000);

test('agent killed mid-drain and restarted: resumes from its Lease and finishes the reboot', { timeout: 120_000 }, async () => {
  const n = nodes[0];
  fleet.requireReboot([n]);
  await draining(n);
  await fleet.killAgent(n);
  assert.ok((await holders()).includes(n), 'the lock survives the agent');
  assert.equal((await read(n)).spec?.unschedulable, true, 'still cordoned');
  await deletePdb('pdb-0');
  await fleet.startAgent(n);
  await waitFor('rebooted', async () => (await history(n))[0]?.outcome === 'succeeded', 60_000);
  assert.equal(fleet.reboots.filter((r) => r.node === n).length, 1, 'exactly one reboot');
  await waitFor('uncordoned and released', async () => !(await read(n)).spec?.unschedulable && !(await holders()).includes(n), 10_000);
});

test('stale lock: holder node deleted -> its slot is free at once', { timeout: 120_000 }, async () => {
  const [holder, next] = [nodes[5], nodes[1]];
  fleet.requireReboot([holder]);
  await draining(holder);
  fleet.requireReboot([next]);
  await waitFor(`${next} waits for the lock`, async () => (await state(next))?.phase === 'waiting-lock', 15_000);
  await fleet.killAgent(holder);
  await c.core.deleteNode({ name: holder });
  await waitFor(`${next} rebooted`, async () => (await history(next))[0]?.outcome === 'succeeded', 60_000);
});

test('stale lock: NotReady holder keeps its slot; back Ready without an agent it loses it after the grace', { timeout: 150_000 }, async () => {
  const [holder, next] = [nodes[2], nodes[3]];
  fleet.requireReboot([holder]);
  await draining(holder);
  await fleet.killAgent(holder);
  await fleet.nodes.setReady(holder, false);
  fleet.requireReboot([next]);
  await waitFor(`${next} waits`, async () => (await state(next))?.phase === 'waiting-lock', 15_000);
  await new Promise((r) => setTimeout(r, 15_000));
  assert.deepEqual(await holders(), [holder], 'a NotReady holder keeps its slot past the grace');
  assert.equal((await history(next)).length, 0);
  const back = Date.now();
  await fleet.nodes.setReady(holder, true);
  await waitFor(`${next} takes over after the grace`, async () => (await holders()).includes(next), 40_000);
  assert.ok(Date.now() - back >= 9000, `not before the 10 s grace (${Date.now() - back} ms)`);
  await waitFor(`${next} rebooted`, async () => (await history(next))[0]?.outcome === 'succeeded', 60_000);
  // The holder's agent comes back: it finds no lock, undoes its own cordon, and tries again.
  await deletePdb('pdb-2');
  await fleet.startAgent(holder);
  await waitFor(`${holder} rebooted after all`, async () => (await history(holder)).some((h) => h.outcome === 'succeeded'), 90_000);
  assert.ok(!(await read(holder)).spec?.unschedulable);
});

test('API server restarted mid-drain: the agent rides it out and finishes', { timeout: 150_000 }, async () => {
  const n = nodes[4];
  await c.addPod({ namespace: 'default', name: 'held-4', node: n, owner: 'ReplicaSet' });
  await c.addPdb({ namespace: 'default', name: 'pdb-4', selector: { app: 'held-4' }, minAvailable: 1 });
  fleet.requireReboot([n]);
  await draining(n);
  await c.restartApiServer(3000);
  await waitFor('API server back', async () => !!(await read(n).catch(() => undefined)), 60_000);
  await deletePdb('pdb-4');
  await waitFor('rebooted', async () => (await history(n))[0]?.outcome === 'succeeded', 90_000);
  await waitFor('uncordoned', async () => !(await read(n)).spec?.unschedulable, 20_000);
});

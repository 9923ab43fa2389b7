// Windows, manual requests and drain outcomes end to end, each on its own simulated machine (the
// agent flags differ per machine): a closed window holds a reboot without taking a lock and says
// when it opens; force-reboot ignores it (and is cleared when done); reboot-after waits for its
// time; a node block wins over force; the cluster-wide block on the DaemonSet; the pre-drain PDB
// check blocks instead of cordoning; a drain refused by a PDB times out, releases the lock,
// uncordons and names the PDB; removing the reason mid-drain cancels, uncordons and releases.

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
const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
// A window that is closed now: it opens in 3 hours.
const closedWindow = `${hhmm(Date.now() + 3 * 3600_000)}-${hhmm(Date.now() + 4 * 3600_000)} UTC`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-req-'));
  c = await startCluster();
  nodes = await c.addNodes(8, { prefix: 'q' });
  await c.ensureNamespace('nodemend');
  await c.apps.createNamespacedDaemonSet({
    namespace: 'nodemend',
    body: {
      metadata: { name: 'nodemend-agent' },
      spec: {
        selector: { matchLabels: { app: 'nodemend-agent' } },
        template: { metadata: { labels: { app: 'nodemend-agent' } }, spec: { nodeSelector: { 'no-such-node': 'x' }, containers: [{ name: 'agent', image: 'agent' }] } },
      },
    },
  });
  for (const i of [5, 6, 7]) {
    await c.addPod({ namespace: 'default', name: `guarded-${i}`, node: nodes[i], owner: 'ReplicaSet' });
    await c.addPdb({ namespace: 'default', name: `pdb-${i}`, selector: { app: `guarded-${i}` }, minAvailable: 1 });
  }
  const perNode: Record<number, string[]> = {
    0: [`--window=${closedWindow}`],
    5: ['--drain-precheck=true'],
    6: ['--drain-precheck=false', '--drain-timeout=4s'],
    7: ['--drain-precheck=false'],
  };
  fleet = await SimFleet.start(nodes, {
    kubeconfigPath: c.kubeconfigPath,
    dir,
    rebootMs: 1000,
    flags: ['--period=3s', '--concurrency=10'],
    nodeFlags: (n) => perNode[nodes.indexOf(n)] ?? [],
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
const annotate = (n: string, a: Record<string, string | null>) => c.core.patchNode({ name: n, body: { metadata: { annotations: a } } }, merge());
async function holders(): Promise<string[]> {
  const l = await c.kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: 'nodemend' });
  return l.items.filter((x) => x.metadata!.name!.startsWith('nodemend-lock-') && x.spec?.holderIdentity).map((x) => x.spec!.holderIdentity!);
}
async function eventText(n: string): Promise<string> {
  const l = await c.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${n},involvedObject.kind=Node` });
  return l.items.map((e) => `${e.type} ${e.reason}: ${e.message}`).join('\n');
}
const isoNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, 'Z');

test('closed window: waiting-window with the next opening, no lock; force-reboot ignores the window and is cleared', { timeout: 90_000 }, async () => {
  const n = nodes[0];
  fleet.requireReboot([n]);
  await waitFor('waiting-window', async () => (await state(n))?.phase === 'waiting-window', 20_000);
  const s = await state(n);
  assert.ok(s?.nextWindow && Date.parse(s.nextWindow) > Date.now() + 2 * 3600_000, `nextWindow ${s?.nextWindow}`);
  assert.ok(!(await holders()).includes(n), 'no lock outside the window');
  await annotate(n, { [A.forceReboot]: isoNow() });
  await waitFor('forced reboot done', async () => (await history(n))[0]?.outcome === 'succeeded', 60_000);
  assert.equal((await history(n))[0].forced, true);
  await waitFor('force request cleared', async () => (await read(n)).metadata?.annotations?.[A.forceReboot] === undefined, 10_000);
});

test('reboot-after: reached -> reboots without a sentinel; in the future -> scheduled until then', { timeout: 90_000 }, async () => {
  await annotate(nodes[1], { [A.rebootAfter]: isoNow(-60_000) });
  const later = Date.now() + 8000;
  await annotate(nodes[2], { [A.rebootAfter]: isoNow(8000) });
  await waitFor('scheduled', async () => (await state(nodes[2]))?.phase === 'scheduled', 10_000);
  await waitFor('reboot-after reached: rebooted', async () => (await history(nodes[1]))[0]?.outcome === 'succeeded', 60_000);
  await waitFor('future reboot-after: rebooted once due', async () => (await history(nodes[2]))[0]?.outcome === 'succeeded', 60_000);
  const h = await history(nodes[2]);
  assert.ok(Date.parse(h[0].start) >= later - 1000, `not before its time: started ${h[0].start}`);
  for (const n of [nodes[1], nodes[2]]) await waitFor('request cleared', async () => (await read(n)).metadata?.annotations?.[A.rebootAfter] === undefined, 10_000);
});

test('a node block wins over force-reboot; lifting it lets the reboot go', { timeout: 90_000 }, async () => {
  const n = nodes[3];
  await annotate(n, { [A.block]: 'database migration', [A.forceReboot]: isoNow() });
  await waitFor('blocked', async () => (await state(n))?.phase === 'blocked', 15_000);
  assert.match((await state(n))!.reason, /a person blocked reboots of this node: database migration/);
  await new Promise((r) => setTimeout(r, 3000));
  assert.ok(!(await holders()).includes(n), 'no lock while blocked');
  assert.equal((await history(n)).length, 0);
  await annotate(n, { [A.block]: null });
  await waitFor('forced reboot after unblock', async () => (await history(n))[0]?.outcome === 'succeeded', 60_000);
});

test('the cluster-wide block on the agent DaemonSet holds every node', { timeout: 90_000 }, async () => {
  const n = nodes[4];
  await c.apps.patchNamespacedDaemonSet({ name: 'nodemend-agent', namespace: 'nodemend', body: { metadata: { annotations: { [A.block]: 'change freeze' } } } }, merge());
  fleet.requireReboot([n]);
  await waitFor('blocked cluster-wide', async () => /cluster-wide.*change freeze/.test((await state(n))?.reason ?? ''), 15_000);
  assert.ok(!(await holders()).includes(n));
  await c.apps.patchNamespacedDaemonSet({ name: 'nodemend-agent', namespace: 'nodemend', body: { metadata: { annotations: { [A.block]: null } } } }, merge());
  await waitFor('rebooted after the freeze', async () => (await history(n))[0]?.outcome === 'succeeded', 60_000);
});

test('pre-drain check: a PDB that allows no disruption blocks before cordoning, naming it', { timeout: 60_000 }, async () => {
  const n = nodes[5];
  fleet.requireReboot([n]);
  await waitFor('blocked by the PDB', async () => /PodDisruptionBudget default\/pdb-5/.test((await state(n))?.reason ?? ''), 20_000);
  assert.equal((await state(n))?.phase, 'blocked');
  assert.ok(!(await read(n)).spec?.unschedulable, 'not cordoned');
  assert.ok(!(await holders()).includes(n), 'no lock');
  fleet.clearReboot([n]);
});

test('drain refused by a PDB times out: lock released, node uncordoned, Event names the PDB', { timeout: 90_000 }, async () => {
  const n = nodes[6];
  fleet.requireReboot([n]);
  await waitFor('drain failed and recorded', async () => (await history(n))[0]?.outcome === 'failed', 60_000);
  const h = (await history(n))[0];
  assert.match(h.reason ?? '', /drain failed/);
  await waitFor('uncordoned', async () => !(await read(n)).spec?.unschedulable, 10_000);
  await waitFor('released', async () => !(await holders()).includes(n), 10_000);
  assert.match(await eventText(n), /pdb-6/);
  assert.equal((await state(n))?.phase, 'failed');
  fleet.clearReboot([n]);
});

test('removing the reason mid-drain cancels: uncordon, release, history says cancelled', { timeout: 90_000 }, async () => {
  const n = nodes[7];
  fleet.requireReboot([n]);
  await waitFor('draining (stuck on the PDB)', async () => (await state(n))?.phase === 'draining' && !!(await read(n)).spec?.unschedulable, 30_000);
  fleet.clearReboot([n]);
  await waitFor('cancelled', async () => (await history(n))[0]?.outcome === 'cancelled', 30_000);
  await waitFor('uncordoned and released', async () => !(await read(n)).spec?.unschedulable && !(await holders()).includes(n), 10_000);
  await waitFor('healthy', async () => (await state(n))?.phase === 'healthy', 10_000);
});

// Windows, manual requests and drain outcomes end to end, each on its own simulated machine (the
// agent flags differ per machine): a closed window holds a reboot without taking a lock and says
// when it opens; force-reboot ignores it (and is cleared when done); reboot-after waits for its
// time; a node block wins over force; the cluster-wide block on the DaemonSet; the pre-drain PDB
// check blocks instead of cordoning; a drain refused by a PDB times out, releases the lock,
// uncordons and names the PDB; removing the reason mid-drain cancels, uncordons and releases.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../tools/harness/index.ts';
import { A } from '../../protocol/annotations.ts';
import { AgentEnv, guardedPod, isoNow, LOCK_NS, mergePatch } from './agent-support.ts';

let env: AgentEnv;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
// A window that is closed now: it opens in 3 hours.
const closedWindow = `${hhmm(Date.now() + 3 * 3600_000)}-${hhmm(Date.now() + 4 * 3600_000)} UTC`;

before(async () => {
  const perNode: Record<number, string[]> = {
    0: [`--window=${closedWindow}`],
    5: ['--drain-precheck=true'],
    6: ['--drain-precheck=false', '--drain-timeout=4s'],
    7: ['--drain-precheck=false'],
  };
  env = await AgentEnv.start({
    name: 'req',
    nodes: 8,
    prefix: 'q',
    daemonSet: true,
    setup: async (c, nodes) => {
      for (const i of [5, 6, 7]) await guardedPod(c, nodes[i], `guarded-${i}`, `pdb-${i}`);
    },
    fleet: { flags: ['--period=3s', '--concurrency=10'], nodeFlags: (n) => perNode[Number(n.slice(n.lastIndexOf('-') + 1))] ?? [], evictionRetryMs: 500 },
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

const setClusterBlock = (v: string | null) => env.c.apps.patchNamespacedDaemonSet({ name: 'nodemend-agent', namespace: LOCK_NS, body: { metadata: { annotations: { [A.block]: v } } } }, mergePatch());

test('closed window: waiting-window with the next opening, no lock; force-reboot ignores the window and is cleared', { timeout: 90_000 }, async () => {
  const n = env.nodes[0];
  env.fleet.requireReboot([n]);
  await waitFor('waiting-window', async () => (await env.state(n))?.phase === 'waiting-window', 20_000);
  const s = await env.state(n);
  assert.ok(s?.nextWindow && Date.parse(s.nextWindow) > Date.now() + 2 * 3600_000, `nextWindow ${s?.nextWindow}`);
  assert.ok(!(await env.holders()).includes(n), 'no lock outside the window');
  await env.annotate(n, { [A.forceReboot]: isoNow() });
  await waitFor('forced reboot done', async () => (await env.history(n))[0]?.outcome === 'succeeded', 60_000);
  assert.equal((await env.history(n))[0].forced, true);
  await waitFor('force request cleared', async () => (await env.read(n)).metadata?.annotations?.[A.forceReboot] === undefined, 10_000);
});

test('reboot-after: reached -> reboots without a sentinel; in the future -> scheduled until then', { timeout: 90_000 }, async () => {
  await env.annotate(env.nodes[1], { [A.rebootAfter]: isoNow(-60_000) });
  const later = Date.now() + 8000;
  await env.annotate(env.nodes[2], { [A.rebootAfter]: isoNow(8000) });
  await waitFor('scheduled', async () => (await env.state(env.nodes[2]))?.phase === 'scheduled', 10_000);
  await waitFor('reboot-after reached: rebooted', async () => (await env.history(env.nodes[1]))[0]?.outcome === 'succeeded', 60_000);
  await waitFor('future reboot-after: rebooted once due', async () => (await env.history(env.nodes[2]))[0]?.outcome === 'succeeded', 60_000);
  const h = await env.history(env.nodes[2]);
  assert.ok(Date.parse(h[0].start) >= later - 1000, `not before its time: started ${h[0].start}`);
  for (const n of [env.nodes[1], env.nodes[2]]) await waitFor('request cleared', async () => (await env.read(n)).metadata?.annotations?.[A.rebootAfter] === undefined, 10_000);
});

test('a node block wins over force-reboot; lifting it lets the reboot go', { timeout: 90_000 }, async () => {
  const n = env.nodes[3];
  await env.annotate(n, { [A.block]: 'database migration', [A.forceReboot]: isoNow() });
  await waitFor('blocked', async () => (await env.state(n))?.phase === 'blocked', 15_000);
  assert.match((await env.state(n))!.reason, /a person blocked reboots of this node: database migration/);
  assert.deepEqual((await env.state(n))!.blockedBy, ['manual'], 'what blocks, for the hub (never read from the reason)');
  await new Promise((r) => setTimeout(r, 3000));
  assert.ok(!(await env.holders()).includes(n), 'no lock while blocked');
  assert.equal((await env.history(n)).length, 0);
  await env.annotate(n, { [A.block]: null });
  await waitFor('forced reboot after unblock', async () => (await env.history(n))[0]?.outcome === 'succeeded', 60_000);
});

test('the cluster-wide block on the agent DaemonSet holds every node', { timeout: 90_000 }, async () => {
  const n = env.nodes[4];
  await setClusterBlock('change freeze');
  env.fleet.requireReboot([n]);
  await waitFor('blocked cluster-wide', async () => /cluster-wide.*change freeze/.test((await env.state(n))?.reason ?? ''), 15_000);
  assert.deepEqual((await env.state(n))!.blockedBy, ['cluster-manual']);
  assert.ok(!(await env.holders()).includes(n));
  await setClusterBlock(null);
  await waitFor('rebooted after the freeze', async () => (await env.history(n))[0]?.outcome === 'succeeded', 60_000);
});

test('pre-drain check: a PDB that allows no disruption blocks before cordoning, naming it', { timeout: 60_000 }, async () => {
  const n = env.nodes[5];
  env.fleet.requireReboot([n]);
  await waitFor('blocked by the PDB', async () => /PodDisruptionBudget default\/pdb-5/.test((await env.state(n))?.reason ?? ''), 20_000);
  assert.equal((await env.state(n))?.phase, 'blocked');
  assert.deepEqual([(await env.state(n))?.blockedBy, (await env.state(n))?.pdbs], [['pdb'], ['default/pdb-5']], 'the budget named for the hub');
  assert.ok(!(await env.read(n)).spec?.unschedulable, 'not cordoned');
  assert.ok(!(await env.holders()).includes(n), 'no lock');
  env.fleet.clearReboot([n]);
});

test('drain refused by a PDB times out: lock released, node uncordoned, Event names the PDB', { timeout: 90_000 }, async () => {
  const n = env.nodes[6];
  env.fleet.requireReboot([n]);
  await waitFor('drain failed and recorded', async () => (await env.history(n))[0]?.outcome === 'failed', 60_000);
  const h = (await env.history(n))[0];
  assert.match(h.reason ?? '', /drain failed/);
  await waitFor('uncordoned', async () => !(await env.read(n)).spec?.unschedulable, 10_000);
  await waitFor('released', async () => !(await env.holders()).includes(n), 10_000);
  assert.match(await env.eventText(n), /pdb-6/);
  assert.equal((await env.state(n))?.phase, 'failed');
  env.fleet.clearReboot([n]);
});

test('removing the reason mid-drain cancels: uncordon, release, history says cancelled', { timeout: 90_000 }, async () => {
  const n = env.nodes[7];
  env.fleet.requireReboot([n]);
  await waitFor('draining (stuck on the PDB)', async () => (await env.state(n))?.phase === 'draining' && !!(await env.read(n)).spec?.unschedulable, 30_000);
  env.fleet.clearReboot([n]);
  await waitFor('cancelled', async () => (await env.history(n))[0]?.outcome === 'cancelled', 30_000);
  await waitFor('uncordoned and released', async () => !(await env.read(n)).spec?.unschedulable && !(await env.holders()).includes(n), 10_000);
  await waitFor('healthy', async () => (await env.state(n))?.phase === 'healthy', 10_000);
});

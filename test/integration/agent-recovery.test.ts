// Recovery against a real API server: an agent killed mid-drain resumes from the stage in its
// Lease; a lock whose holder node was deleted is free at once; a holder that went NotReady keeps
// its slot, and once back Ready without its agent keeps it while still cordoned by nodemend and
// loses it after the grace once a person took the node back; the API server
// restarted mid-drain does not stop the reboot.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../tools/harness/index.ts';
import { AgentEnv, guardedPod, mergePatch, ONE_AT_A_TIME } from './agent-support.ts';

let env: AgentEnv;

before(async () => {
  env = await AgentEnv.start({
    name: 'rec',
    nodes: 6,
    prefix: 'k',
    setup: async (c, nodes) => {
      for (const i of [0, 2, 5]) await guardedPod(c, nodes[i], `held-${i}`, `pdb-${i}`);
    },
    fleet: ONE_AT_A_TIME,
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

const draining = (n: string) => waitFor(`${n} draining`, async () => (await env.state(n))?.phase === 'draining' && (await env.holders()).includes(n) && !!(await env.read(n)).spec?.unschedulable, 30_000);

test('agent killed mid-drain and restarted: resumes from its Lease and finishes the reboot', { timeout: 120_000 }, async () => {
  const n = env.nodes[0];
  env.fleet.requireReboot([n]);
  await draining(n);
  await env.fleet.killAgent(n);
  assert.ok((await env.holders()).includes(n), 'the lock survives the agent');
  assert.equal((await env.read(n)).spec?.unschedulable, true, 'still cordoned');
  await env.deletePdb('pdb-0');
  await env.fleet.startAgent(n);
  await waitFor('rebooted', async () => (await env.history(n))[0]?.outcome === 'succeeded', 60_000);
  assert.equal(env.fleet.reboots.filter((r) => r.node === n).length, 1, 'exactly one reboot');
  await waitFor('uncordoned and released', async () => !(await env.read(n)).spec?.unschedulable && !(await env.holders()).includes(n), 10_000);
});

test('stale lock: holder node deleted -> its slot is free at once', { timeout: 120_000 }, async () => {
  const [holder, next] = [env.nodes[5], env.nodes[1]];
  env.fleet.requireReboot([holder]);
  await draining(holder);
  env.fleet.requireReboot([next]);
  await waitFor(`${next} waits for the lock`, async () => (await env.state(next))?.phase === 'waiting-lock', 15_000);
  await env.fleet.killAgent(holder);
  await env.c.core.deleteNode({ name: holder });
  await waitFor(`${next} rebooted`, async () => (await env.history(next))[0]?.outcome === 'succeeded', 60_000);
});

test('stale lock: NotReady holder keeps its slot; back Ready without an agent it loses it after the grace', { timeout: 210_000 }, async () => {
  const [holder, next] = [env.nodes[2], env.nodes[3]];
  env.fleet.requireReboot([holder]);
  await draining(holder);
  await env.fleet.killAgent(holder);
  await env.fleet.nodes.setReady(holder, false);
  env.fleet.requireReboot([next]);
  await waitFor(`${next} waits`, async () => (await env.state(next))?.phase === 'waiting-lock', 15_000);
  await new Promise((r) => setTimeout(r, 15_000));
  assert.deepEqual(await env.holders(), [holder], 'a NotReady holder keeps its slot past the grace');
  assert.equal((await env.history(next)).length, 0);
  const back = Date.now();
  await env.fleet.nodes.setReady(holder, true);
  // Ready again but still cordoned by nodemend (and published draining): taking its slot would put
  // two nodes out of service, so it keeps the slot past the grace, up to --max-reboot-duration.
  await new Promise((r) => setTimeout(r, 15_000));
  assert.deepEqual(await env.holders(), [holder], 'a Ready holder still cordoned by nodemend keeps its slot past the grace');
  // A person takes the node back (uncordons it, clears nodemend's marker and state): now it is a
  // Ready holder that stopped renewing, and its slot goes.
  await env.c.core.patchNode({ name: holder, body: { metadata: { annotations: { 'nodemend.dev/cordoned-by': null, 'nodemend.dev/state': null } }, spec: { unschedulable: false } } }, mergePatch());
  await waitFor(`${next} takes over after the grace`, async () => (await env.holders()).includes(next), 40_000);
  assert.ok(Date.now() - back >= 14_000, `not before the 15 s grace (${Date.now() - back} ms)`);
  assert.match(await env.eventText(next), new RegExp(`Warning LockRecovered: took over lock slot nodemend-lock-0 from ${holder}: holder ${holder} is Ready but has not renewed`));
  await waitFor(`${next} rebooted`, async () => (await env.history(next))[0]?.outcome === 'succeeded', 60_000);
  // The holder's agent comes back: it finds no lock, undoes its own cordon, and tries again.
  await env.deletePdb('pdb-2');
  await env.fleet.startAgent(holder);
  await waitFor(`${holder} rebooted after all`, async () => (await env.history(holder)).some((h) => h.outcome === 'succeeded'), 90_000);
  assert.ok(!(await env.read(holder)).spec?.unschedulable);
});

test('API server restarted mid-drain: the agent rides it out and finishes', { timeout: 150_000 }, async () => {
  const n = env.nodes[4];
  await guardedPod(env.c, n, 'held-4', 'pdb-4');
  env.fleet.requireReboot([n]);
  await draining(n);
  await env.c.restartApiServer(3000);
  await waitFor('API server back', async () => !!(await env.read(n).catch(() => undefined)), 60_000);
  await env.deletePdb('pdb-4');
  await waitFor('rebooted', async () => (await env.history(n))[0]?.outcome === 'succeeded', 90_000);
  await waitFor('uncordoned', async () => !(await env.read(n)).spec?.unschedulable, 20_000);
});

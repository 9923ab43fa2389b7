// The waits after a reboot survive an agent restart. The health gate: the agent holds the lock
// until no PodDisruptionBudget is short (here one never gets healthy: minAvailable 2 of 1 pod), for
// at most --health-gate-timeout. The lock-release delay: the lock is kept that long once the node
// is back. Their starts (and when the node was Ready) are published in the node state, so an
// agent killed and started again keeps the original deadlines instead of waiting them out again,
// and the history's durations stay right.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../tools/harness/index.ts';
import { AgentEnv, sleep } from './agent-support.ts';

const TIMEOUT_S = 20;
const DELAY_S = 15;
let env: AgentEnv;

before(async () => {
  env = await AgentEnv.start({
    name: 'gate',
    nodes: 2,
    prefix: 'g',
    setup: async (c, nodes) => {
      // A PDB that stays short: the gate can only time out.
      await c.addPod({ namespace: 'default', name: 'short', node: nodes[1], owner: 'ReplicaSet' });
      await c.addPdb({ namespace: 'default', name: 'short', selector: { app: 'short' }, minAvailable: 2 });
    },
    fleet: { flags: ['--period=3s', '--concurrency=1', '--drain-precheck=false', '--health-gate=true', `--health-gate-timeout=${TIMEOUT_S}s`, `--lock-release-delay=${DELAY_S}s`] },
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

test('agent killed mid health gate: the restarted agent keeps the original deadline', { timeout: 120_000 }, async () => {
  const n = env.nodes[0];
  env.fleet.requireReboot([n]);
  await waitFor(`${n} rebooted, waiting for the health gate`, async () => {
    const s = await env.state(n);
    return s?.phase === 'verifying' && /holding the lock until healthy: PodDisruptionBudgets below their desired healthy count: default\/short/.test(s.reason) && !!s.healthGateSince;
  }, 40_000);
  const since = (await env.state(n))!.healthGateSince!;
  const t0 = Date.parse(since);

  await sleep(Math.max(0, t0 + 9000 - Date.now()));
  await env.fleet.killAgent(n);
  await sleep(4000);
  await env.fleet.startAgent(n);
  await sleep(2000);
  const s = await env.state(n);
  assert.equal(s?.phase, 'verifying', `still in the gate after the restart (${s?.reason})`);
  assert.equal(s?.healthGateSince, since, 'the restarted agent publishes the same gate start');

  await waitFor('the gate times out', async () => (await env.history(n))[0]?.outcome === 'failed', 40_000);
  const rec = (await env.history(n))[0];
  assert.match(rec.reason ?? '', new RegExp(`^health gate not met within ${TIMEOUT_S}s: PodDisruptionBudgets below`));
  const took = Date.parse(rec.end) - t0;
  // The deadline is t0 + 20 s (checked every 3 s); restarting the gate would have ended at t0 + 33 s or later.
  assert.ok(took >= TIMEOUT_S * 1000 - 1000 && took < (TIMEOUT_S + 6) * 1000, `gate ended ${took} ms after it began`);
  assert.equal(env.fleet.reboots.filter((r) => r.node === n).length, 1, 'one reboot');
  await waitFor('lock released, uncordoned', async () => !(await env.holders()).includes(n) && !(await env.read(n)).spec?.unschedulable, 10_000);
});

test('agent killed during the lock-release delay: the restarted agent releases on time, and the history keeps the Ready time', { timeout: 120_000 }, async () => {
  const n = env.nodes[1];
  await env.deletePdb('short'); // the gate passes now
  env.fleet.requireReboot([n]);
  await waitFor(`${n} back, holding the lock for the release delay`, async () => {
    const s = await env.state(n);
    return s?.phase === 'verifying' && /--lock-release-delay/.test(s.reason) && !!s.lockReleaseDelaySince && !!s.readySince;
  }, 60_000);
  const s0 = (await env.state(n))!;
  const t0 = Date.parse(s0.lockReleaseDelaySince!);
  const ready = Date.parse(s0.readySince!);
  assert.ok(ready <= t0, 'Ready before the delay began');

  await sleep(Math.max(0, t0 + 6000 - Date.now()));
  await env.fleet.killAgent(n);
  await sleep(4000);
  await env.fleet.startAgent(n);
  await waitFor('released', async () => (await env.history(n))[0]?.outcome === 'succeeded', 40_000);
  const rec = (await env.history(n))[0];
  const took = Date.parse(rec.end) - t0;
  // Released at t0 + 15 s; a delay started again by the new process would end at t0 + 25 s or later.
  assert.ok(took >= DELAY_S * 1000 - 1000 && took < (DELAY_S + 6) * 1000, `released ${took} ms after the delay began`);
  // Verification is Ready -> release: the whole delay, not just the new process's last moments.
  assert.ok((rec.verifyMs ?? 0) >= Date.parse(rec.end) - ready - 1000, `verifyMs ${rec.verifyMs} counts from Ready (${Date.parse(rec.end) - ready} ms before the end)`);
  assert.equal(env.fleet.reboots.filter((r) => r.node === n).length, 1, 'one reboot');
});

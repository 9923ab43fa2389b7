// What an operator sees, through the real runtime: dry-run mode does everything but cordon, drain
// and reboot (a watch on the Node proves it never cordons), says what it would do, and gives the
// lock back; the agent's /metrics endpoint (served on 127.0.0.1) follows a whole flow: blocked,
// reboot required, lock held while draining, a failed drain, then a reboot by the next process.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../../tools/harness/index.ts';
import { A } from '../../protocol/annotations.ts';
import { AgentEnv, guardedPod, sleep } from './agent-support.ts';

let env: AgentEnv;
const DRY = 'o-0';
const MET = 'o-1';

before(async () => {
  env = await AgentEnv.start({
    name: 'observe',
    nodes: 2,
    prefix: 'o',
    setup: async (c, nodes) => {
      await c.addPod({ namespace: 'default', name: 'dry-pod', node: nodes[0], owner: 'ReplicaSet' });
      await guardedPod(c, nodes[1], 'met-pod');
    },
    fleet: {
      flags: ['--period=3s', '--concurrency=2', '--drain-precheck=false', '--metrics-host=127.0.0.1', '--metrics-port=0'],
      nodeFlags: (n) => (n === DRY ? ['--dry-run=true'] : ['--drain-timeout=3s']),
      metrics: true,
      evictionRetryMs: 500,
    },
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

test('dry run: rehearses (lock taken and given back), says what it would do (and which pods it would evict), never cordons, drains or reboots', { timeout: 90_000 }, async () => {
  let cordoned = 0;
  const watch = await new k8s.Watch(env.c.kc).watch('/api/v1/nodes', { fieldSelector: `metadata.name=${DRY}` }, (_t: string, n: k8s.V1Node) => {
    if (n.spec?.unschedulable) cordoned++;
  }, () => {});
  try {
    env.fleet.requireReboot([DRY]);
    await waitFor('dry-run rehearsal', async () => /Normal DryRun: dry run: would cordon o-0, drain it and reboot now \(the sentinel says a reboot is needed\)/.test(await env.eventText(DRY)), 30_000);
    const events = await env.eventText(DRY);
    // What the drain would do, from the real pod list.
    assert.match(events, /Normal DryRun: dry run: would cordon o-0, .*; would evict 1 pod\(s\): default\/dry-pod-[a-z0-9]+(;|$)/m);
    assert.match(events, /Normal LockAcquired: lock nodemend-lock-\d+ acquired/, 'the lock path runs');
    assert.match(events, /Normal LockReleased: lock nodemend-lock-\d+ released \(cancelled\)/);
    await waitFor('state says it rehearsed', async () => /^dry run: rehearsed at .* \(would have cordoned, drained and rebooted\); next rehearsal at /.test((await env.state(DRY))?.reason ?? ''), 10_000);
    assert.equal((await env.state(DRY))?.phase, 'reboot-required');
    assert.ok(!(await env.holders()).includes(DRY), 'lock released');
    await sleep(4000); // one more period: a second rehearsal must not change anything either
    assert.equal(cordoned, 0, 'never cordoned');
    assert.equal(env.fleet.reboots.length, 0, 'never rebooted');
    assert.deepEqual(await env.history(DRY), [], 'nothing disrupted, nothing in the history');
    const pods = await env.c.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=dry-pod' });
    assert.ok(pods.items.some((p) => p.spec?.nodeName === DRY && !p.metadata?.deletionTimestamp), 'its pod was not evicted');
  } finally {
    watch.abort();
    env.fleet.clearReboot([DRY]);
  }
});

/** One sample of `name` with the node label (and `extra` labels), from the agent's /metrics. */
async function scrape(): Promise<(name: string, extra?: string) => number | undefined> {
  const port = env.fleet.agents.get(MET)?.metricsPort;
  assert.ok(port, 'the agent serves metrics');
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  return (name, extra) => {
    const labels = `{node="${MET}"${extra ? `,${extra}` : ''}}`;
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
}
const until = (what: string, name: string, extra: string | undefined, want: number) =>
  waitFor(`${what}: ${name}${extra ? `{${extra}}` : ''} = ${want}`, async () => (await scrape())(name, extra) === want, 30_000);

test('metrics follow a flow: blocked, required, lock held while draining, drain failed, then rebooted', { timeout: 150_000 }, async () => {
  let m = await scrape();
  assert.equal(m('kured_reboot_required'), 0);
  assert.equal(m('nodemend_lock_held'), 0);
  assert.equal(m('nodemend_blocked', 'reason="manual"'), 0);
  const health = await fetch(`http://127.0.0.1:${env.fleet.agents.get(MET)!.metricsPort}/healthz`);
  assert.equal(health.status, 200);

  await env.annotate(MET, { [A.block]: 'metrics test' });
  env.fleet.requireReboot([MET]);
  await until('blocked by hand', 'nodemend_blocked', 'reason="manual"', 1);
  // The block may be seen before the sentinel (watched, within about a second).
  await until('the sentinel seen', 'kured_reboot_required', undefined, 1);
  m = await scrape();
  assert.equal(m('nodemend_blocked', 'reason="manual"'), 1, 'still blocked');
  assert.equal(m('nodemend_reboot_required'), 1);
  assert.equal(m('nodemend_lock_held'), 0, 'no lock while blocked');

  await env.annotate(MET, { [A.block]: null });
  await until('draining behind its PDB', 'nodemend_lock_held', undefined, 1);
  assert.equal((await scrape())('nodemend_blocked', 'reason="manual"'), 0);
  // --drain-timeout=3s: the drain fails, the lock goes back.
  await until('drain failed', 'nodemend_reboots_total', 'outcome="failed"', 1);
  m = await scrape();
  assert.equal(m('nodemend_drain_duration_seconds_count', 'result="failed"'), 1);
  assert.equal(m('nodemend_lock_held'), 0);

  await env.deletePdb('pdb-met-pod');
  await waitFor('rebooted', async () => (await env.history(MET))[0]?.outcome === 'succeeded', 60_000);
  // A fresh process after the reboot, with its own counters: it verified and released.
  await until('after the reboot', 'nodemend_reboots_total', 'outcome="succeeded"', 1);
  m = await scrape();
  assert.equal(m('kured_reboot_required'), 0, 'the sentinel is gone after the reboot');
  assert.equal(m('nodemend_lock_held'), 0);
});

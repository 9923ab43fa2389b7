// The hub with real agents: 20 simulated nodes run nodemend's actual agent (SimFleet) and reboot
// two at a time; a stream client sees every node go through draining -> rebooting -> healthy in
// that order, with no sequence gap, never more than two nodes disrupted, and a model that equals
// a fresh snapshot at the end.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runHub, type HubHandle } from '../../backend/hub/main.ts';
import { silentLogger } from '../../backend/shared/log.ts';
import { DISRUPTED_PHASES, type Phase } from '../../protocol/model.ts';
import { AgentEnv } from './agent-support.ts';
import { StreamClient } from './hub-support.ts';

let env: AgentEnv;
let hub: HubHandle;

before(async () => {
  env = await AgentEnv.start({
    name: 'hub-agents',
    nodes: 20,
    prefix: 'h',
    zones: ['a', 'b'],
    daemonSet: true,
    // The hub watches before the agents start, so it sees every step.
    setup: async (c) => {
      await c.addDeployment({ name: 'web', replicas: 10, pdb: { maxUnavailable: 1 } });
      hub = await runHub([`--kubeconfig=${c.kubeconfigPath}`, '--listen=127.0.0.1:0', '--listen-trusted=off', '--auth=none', '--heartbeat=1s'], {}, { embedded: true, log: silentLogger });
    },
    fleet: {
      rebootMs: 1500,
      flags: ['--concurrency=2', '--period=5s', '--metrics-port=0', '--metrics-host=127.0.0.1', '--ds-namespace=nodemend'],
      evictionRetryMs: 300,
    },
  });
});

after(async () => {
  await hub?.stop();
  await env?.stop();
});

test('a rolling reboot of 20 nodes by the real agents, observed through the stream in order', async () => {
  const client = new StreamClient(`ws://127.0.0.1:${hub.port}/stream`);
  await client.opened;
  await client.until('snapshot with 20 nodes', () => (client.snapshot?.nodes.length ?? 0) === 20);
  const seen = new Map<string, Phase[]>();
  let maxDisrupted = 0;
  const record = () => {
    let disrupted = 0;
    for (const n of client.snapshot!.nodes) {
      const p = n.state?.phase;
      if (!p) continue;
      const list = seen.get(n.name) ?? [];
      if (list[list.length - 1] !== p) list.push(p);
      seen.set(n.name, list);
      if (DISRUPTED_PHASES.includes(p)) disrupted++;
    }
    maxDisrupted = Math.max(maxDisrupted, disrupted);
  };
  const t = setInterval(record, 20);
  const t0 = Date.now();
  env.fleet.requireReboot(env.nodes);
  try {
    await client.until(
      'every node rebooted once',
      () => client.snapshot!.nodes.every((n) => n.history.some((h) => h.outcome === 'succeeded') && n.state?.phase === 'healthy'),
      600_000,
    );
  } finally {
    clearInterval(t);
  }
  record();
  const took = Date.now() - t0;
  assert.deepEqual(client.gaps, [], 'no sequence gaps');
  assert.ok(maxDisrupted <= 2, `at most 2 nodes disrupted at once as seen by the stream, saw ${maxDisrupted}`);
  for (const n of env.nodes) {
    const phases = seen.get(n) ?? [];
    const order = ['draining', 'rebooting', 'healthy'].map((p) => phases.lastIndexOf(p as Phase));
    assert.ok(order[0] >= 0 && order[0] < order[1] && order[1] < order[2], `${n} went draining -> rebooting -> healthy, saw ${phases.join(' > ')}`);
  }
  // The running model equals what a new client gets.
  const fresh = new StreamClient(`ws://127.0.0.1:${hub.port}/stream`);
  await fresh.until('fresh snapshot', () => fresh.snapshot !== undefined);
  const strip = (s: typeof client.snapshot) => s!.nodes.map((n) => ({ name: n.name, phase: n.state?.phase, history: n.history.length, cordoned: n.unschedulable })).sort((a, b) => a.name.localeCompare(b.name));
  await client.until('models agree', () => JSON.stringify(strip(client.snapshot)) === JSON.stringify(strip(fresh.snapshot)), 10_000);
  assert.ok(client.snapshot!.nodes.every((n) => !n.unschedulable), 'no node left cordoned');
  client.close();
  fresh.close();
  console.log(`# 20-node rolling reboot (concurrency 2, 1.5 s reboots) observed in ${(took / 1000).toFixed(1)} s, ${client.frames.length} frames, max ${maxDisrupted} disrupted`);
});

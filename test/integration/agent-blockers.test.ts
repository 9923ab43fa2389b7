// Automatic blockers through the real runtime (simulated hosts, real API server): a small HTTP
// server on 127.0.0.1 stands in for a Prometheus-compatible backend that serves only the query
// API (/api/v1/query, the ALERTS metric; /api/v1/alerts answers 404, as on vmselect or a Thanos
// Querier without it). Prometheus itself cannot be installed here. A firing alert blocks (no lock
// taken, the reason names the alert); once cleared the reboot goes ahead. A Prometheus that cannot
// be reached blocks too (fail closed), saying why. A pod matching --blocking-pod-selector on the
// node blocks until it is gone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, waitFor } from '../../tools/harness/index.ts';
import { AgentEnv, sleep } from './agent-support.ts';

let env: AgentEnv;
let prometheus: Server;
/** The ALERTS series the stand-in answers with (name -> alertstate). */
let alerts: { alertname: string; alertstate: string }[] = [];
let queries = 0;
let nowhere = '';

before(async () => {
  prometheus = createServer((req, res) => {
    queries++;
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/api/v1/query' || u.searchParams.get('query') !== 'ALERTS') {
      res.writeHead(404).end();
      return;
    }
    const result = alerts.map((a) => ({ metric: { __name__: 'ALERTS', ...a }, value: [Date.now() / 1000, '1'] }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  });
  await new Promise<void>((r) => prometheus.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  // Nothing listens there: the port was free a moment ago and is not used again.
  nowhere = `http://127.0.0.1:${await freePort()}`;
  const perNode: Record<string, string[]> = {
    'b-0': [`--prometheus-url=${url}`, '--alert-firing-only=true'],
    'b-1': [`--prometheus-url=${nowhere}`],
    'b-2': ['--blocking-pod-selector=app=batch'],
  };
  env = await AgentEnv.start({
    name: 'blockers',
    nodes: 3,
    prefix: 'b',
    fleet: { flags: ['--period=3s', '--concurrency=3', '--drain-precheck=false'], nodeFlags: (n) => perNode[n] ?? [] },
  });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
  prometheus?.close();
});

const rebootsOf = (n: string) => env.fleet.reboots.filter((r) => r.node === n).length;

/** Blocked with `reason`, and it stays that way: no lock, no cordon, no reboot. */
async function assertBlocked(n: string, reason: RegExp): Promise<void> {
  await waitFor(`${n} blocked`, async () => (await env.state(n))?.phase === 'blocked', 20_000);
  assert.match((await env.state(n))!.reason, reason);
  await sleep(4000);
  const s = await env.state(n);
  assert.equal(s?.phase, 'blocked', `still blocked after a re-check (${s?.reason})`);
  assert.ok(!(await env.holders()).includes(n), 'no lock taken while blocked');
  assert.ok(!(await env.read(n)).spec?.unschedulable, 'not cordoned');
  assert.equal(rebootsOf(n), 0);
  assert.match(await env.eventText(n), /Normal RebootBlocked: blocked: /);
}

test('a firing alert blocks with its name; a pending one does not count (--alert-firing-only); cleared, the reboot goes ahead', { timeout: 90_000 }, async () => {
  const n = 'b-0';
  alerts = [
    { alertname: 'NodeDiskPressure', alertstate: 'firing' },
    { alertname: 'SlowDisk', alertstate: 'pending' },
  ];
  const before = queries;
  env.fleet.requireReboot([n]);
  await assertBlocked(n, /^blocked: prometheus-alerts: active alerts: NodeDiskPressure$/);
  assert.ok(queries - before >= 2, `Prometheus asked again each period (${queries - before} queries)`);
  alerts = [{ alertname: 'SlowDisk', alertstate: 'pending' }];
  await waitFor(`${n} rebooted once the alert cleared`, async () => (await env.history(n))[0]?.outcome === 'succeeded', 40_000);
  assert.equal(rebootsOf(n), 1);
});

test('Prometheus unreachable: blocked (fail closed), the reason says why', { timeout: 60_000 }, async () => {
  const n = 'b-1';
  env.fleet.requireReboot([n]);
  const where = `${nowhere}/api/v1/query`.replace(/[.]/g, '\\.');
  await assertBlocked(n, new RegExp(`^blocked: prometheus-alerts: cannot query Prometheus alerts \\(ALERTS at ${where}\\): .+ \\(blocking until it answers\\)$`));
  env.fleet.clearReboot([n]);
});

test('a pod matching --blocking-pod-selector on the node blocks until it is gone', { timeout: 90_000 }, async () => {
  const n = 'b-2';
  await env.c.addPod({ namespace: 'default', name: 'batch', node: n, owner: 'none' });
  env.fleet.requireReboot([n]);
  await assertBlocked(n, /^blocked: pod-selector: blocking pods on the node: default\/batch \(app=batch\)$/);
  await env.c.core.deleteNamespacedPod({ name: 'batch', namespace: 'default', gracePeriodSeconds: 0 });
  await waitFor(`${n} rebooted once the pod was gone`, async () => (await env.history(n))[0]?.outcome === 'succeeded', 40_000);
  assert.equal(rebootsOf(n), 1);
});

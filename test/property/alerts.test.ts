// Property tests of the Prometheus alerts blocker (backend/agent/blockers/alerts.ts): whatever a
// Prometheus (or something pretending to be one) answers on 127.0.0.1, the agent gets a list of
// blocking alert names or an error that blocks (fail closed), and never a throw.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { AlertsBlocker, blockingAlerts } from '../../backend/agent/blockers/alerts.ts';
import { check, checkAsync, json, nasty } from './support.ts';

const o = { noNullPrototype: true } as const;
// An ALERTS sample of /api/v1/query's instant vector, or anything else.
const alert = fc.oneof(
  fc.record(
    {
      metric: fc.record({ alertname: fc.oneof(fc.string(), fc.constantFrom('Watchdog', 'KubeNodeNotReady', 'DiskFull')), alertstate: fc.constantFrom('firing', 'pending', 'inactive') }, o),
      value: fc.tuple(fc.double({ noNaN: true }), fc.constantFrom('1', '0', 'NaN', '2.5')),
    },
    o,
  ),
  json,
);
const options = fc.record({ filter: fc.option(fc.constantFrom(/^Watchdog$/, /Disk/, /.*/, /$^/), { nil: undefined }), matchOnly: fc.boolean(), firingOnly: fc.boolean() }, o);

test('blockingAlerts: never throws; names are sorted, unique, and obey the filter', (t) => {
  check(t, fc.property(fc.array(alert, { maxLength: 30 }), options, (alerts, opt) => {
    const names = blockingAlerts(alerts as never[], opt);
    assert.deepEqual(names, [...new Set(names)].sort());
    for (const n of names) if (opt.filter) assert.equal(opt.filter.test(String(n)), !!opt.matchOnly, `${n} should have been filtered`);
    // Without filters every firing alert with a name blocks: nothing is lost on the way.
    if (!opt.filter) {
      for (const a of alerts as { metric?: { alertname?: unknown; alertstate?: string }; value?: [number, string] }[]) {
        const firing = a && typeof a === 'object' && typeof a.metric?.alertname === 'string' && a.metric.alertstate === 'firing';
        if (firing && Array.isArray(a.value) && a.value[1] !== '0') assert.ok(names.includes(a.metric!.alertname as string));
      }
    }
  }), 3000);
});

let server: Server;
let answer: { status: number; body: string } = { status: 200, body: '' };
let url = '';
before(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('AlertsBlocker: any HTTP answer blocks with a reason or yields names; never throws', async (t) => {
  const body = fc.oneof(
    nasty.map((s) => s.slice(0, 5000)),
    json.map((v) => JSON.stringify(v)),
    fc.array(alert, { maxLength: 10 }).map((result) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result } })),
    fc.array(alert, { maxLength: 10 }).map((result) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } })),
    fc.array(alert, { maxLength: 10 }).map((result) => JSON.stringify({ status: 'error', data: { resultType: 'vector', result } })),
  );
  await checkAsync(t, fc.asyncProperty(fc.constantFrom(200, 200, 200, 404, 500, 503), body, async (status, b) => {
    answer = { status, body: b };
    const blocker = new AlertsBlocker({ url, timeoutMs: 5000 });
    const r = await blocker.active();
    let parsed: unknown;
    try {
      parsed = JSON.parse(b);
    } catch {
      parsed = undefined;
    }
    const p = parsed as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null | undefined;
    const valid = status === 200 && p?.status === 'success' && p?.data?.resultType === 'vector' && Array.isArray(p?.data?.result);
    assert.equal(r.ok, valid, JSON.stringify(r));
    const c = await blocker.check();
    if (!valid) assert.equal(c.blocked, true, 'an unreadable answer blocks (fail closed)');
    if (!r.ok) assert.ok(r.error.length < 300, `error text bounded: ${r.error.length}`);
  }), 300);
});

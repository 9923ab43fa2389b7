import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertsBlocker, blockingAlerts } from './alerts.ts';

const alerts: { labels: Record<string, string>; state: string }[] = [
  { labels: { alertname: 'NodeDown' }, state: 'firing' },
  { labels: { alertname: 'Watchdog' }, state: 'firing' },
  { labels: { alertname: 'DiskSlow' }, state: 'pending' },
  { labels: { alertname: 'NodeDown', instance: 'b' }, state: 'firing' },
];

const cases: { name: string; filter?: RegExp; matchOnly?: boolean; firingOnly?: boolean; want: string[] }[] = [
  { name: 'all alerts block, unique and sorted', want: ['DiskSlow', 'NodeDown', 'Watchdog'] },
  { name: 'filter ignores matching alerts', filter: /^Watchdog$/, want: ['DiskSlow', 'NodeDown'] },
  { name: 'match-only keeps only matching alerts', filter: /^Node/, matchOnly: true, want: ['NodeDown'] },
  { name: 'firing-only ignores pending', firingOnly: true, want: ['NodeDown', 'Watchdog'] },
  { name: 'all rules together', filter: /Slow|Node/, matchOnly: true, firingOnly: true, want: ['NodeDown'] },
  { name: 'match-only with no match blocks nothing', filter: /^Nope$/, matchOnly: true, want: [] },
];
for (const c of cases) test(`blockingAlerts: ${c.name}`, () => assert.deepEqual(blockingAlerts(alerts, c), c.want));

// A stand-in for Prometheus on 127.0.0.1; each test sets what it answers.
let server: Server;
let base: string;
let answer: (res: import('node:http').ServerResponse) => void = () => {};
before(async () => {
  server = createServer((req, res) => (req.url === '/prom/api/v1/alerts' ? answer(res) : res.writeHead(404).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom/`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
const json = (v: unknown, status = 200) => (res: import('node:http').ServerResponse) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));

const httpCases: { name: string; answer: (res: import('node:http').ServerResponse) => void; blocked: boolean; reason?: RegExp; timeoutMs?: number }[] = [
  { name: 'no alerts: not blocked', answer: json({ status: 'success', data: { alerts: [] } }), blocked: false },
  { name: 'firing alert blocks and is named', answer: json({ status: 'success', data: { alerts } }), blocked: true, reason: /active alerts: DiskSlow, NodeDown, Watchdog/ },
  { name: 'HTTP 500 blocks (fail closed)', answer: json({ status: 'error' }, 500), blocked: true, reason: /HTTP 500.*blocking until it answers/ },
  { name: 'bad JSON blocks', answer: (res) => res.writeHead(200).end('<html>'), blocked: true, reason: /cannot query Prometheus alerts/ },
  { name: 'wrong shape blocks', answer: json({ status: 'success', data: {} }), blocked: true, reason: /not an alerts list/ },
  { name: 'timeout blocks', answer: () => {}, blocked: true, reason: /cannot query Prometheus alerts/, timeoutMs: 200 },
];
for (const c of httpCases) {
  test(`alerts blocker over HTTP: ${c.name}`, async () => {
    answer = c.answer;
    const r = await new AlertsBlocker({ url: base, timeoutMs: c.timeoutMs ?? 2000 }).check();
    assert.equal(r.blocked, c.blocked);
    if (c.reason) assert.match(r.blocked ? r.reason : '', c.reason);
  });
}

test('alerts blocker: unreachable Prometheus blocks; a bad URL is refused at construction', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const r = await new AlertsBlocker({ url: `http://127.0.0.1:${port}` }).check();
  assert.equal(r.blocked, true);
  assert.throws(() => new AlertsBlocker({ url: 'prometheus:9090' }), /prometheus-url: must be http or https/);
  assert.throws(() => new AlertsBlocker({ url: 'not a url' }), /prometheus-url: not a URL/);
});

test('alerts blocker: user:password in the URL goes as Basic auth, never into a reason', async () => {
  let seen: string | undefined;
  const s = createServer((req, res) => {
    seen = req.headers.authorization;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { alerts: [] } }));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  assert.deepEqual(await new AlertsBlocker({ url: `http://prom:s%40cret@127.0.0.1:${port}/` }).check(), { blocked: false });
  assert.equal(seen, `Basic ${Buffer.from('prom:s@cret').toString('base64')}`);
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
  // Unreachable now: the reason says so without the password.
  const r = await new AlertsBlocker({ url: `http://prom:s%40cret@127.0.0.1:${port}/` }).check();
  assert.ok(r.blocked);
  assert.doesNotMatch(r.reason, /cret/);
});

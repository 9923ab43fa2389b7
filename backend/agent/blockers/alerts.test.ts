import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertsBlocker, blockingAlerts, type AlertSample } from './alerts.ts';

/** An ALERTS sample as Prometheus' /api/v1/query returns it. */
const sample = (alertname: string, alertstate: string, extra: Record<string, string> = {}, value = '1'): AlertSample => ({
  metric: { __name__: 'ALERTS', alertname, alertstate, ...extra },
  value: [1_765_000_000.123, value],
});
const samples: AlertSample[] = [
  sample('NodeDown', 'firing'),
  sample('Watchdog', 'firing'),
  sample('DiskSlow', 'pending'),
  sample('NodeDown', 'firing', { instance: 'b' }),
];
const vector = (result: unknown[]) => ({ status: 'success', data: { resultType: 'vector', result } });

const cases: { name: string; filter?: RegExp; matchOnly?: boolean; firingOnly?: boolean; want: string[]; input?: AlertSample[] }[] = [
  { name: 'all alerts block, unique and sorted', want: ['DiskSlow', 'NodeDown', 'Watchdog'] },
  { name: 'filter ignores matching alerts', filter: /^Watchdog$/, want: ['DiskSlow', 'NodeDown'] },
  { name: 'match-only keeps only matching alerts', filter: /^Node/, matchOnly: true, want: ['NodeDown'] },
  { name: 'match-only without a filter: every alert counts (Kured)', matchOnly: true, want: ['DiskSlow', 'NodeDown', 'Watchdog'] },
  { name: 'firing-only ignores pending', firingOnly: true, want: ['NodeDown', 'Watchdog'] },
  { name: 'all rules together', filter: /Slow|Node/, matchOnly: true, firingOnly: true, want: ['NodeDown'] },
  { name: 'match-only with no match blocks nothing', filter: /^Nope$/, matchOnly: true, want: [] },
  { name: 'a sample with the value 0 is no alert (Kured)', input: [sample('Zero', 'firing', {}, '0'), sample('One', 'firing')], want: ['One'] },
  { name: 'a sample without alertname is no alert (Kured)', input: [{ metric: { __name__: 'ALERTS', alertstate: 'firing' }, value: [1, '1'] }], want: [] },
  { name: 'a value that is not a number counts (fail closed)', input: [sample('Odd', 'firing', {}, 'NaN'), { metric: { alertname: 'NoValue', alertstate: 'firing' } }], want: ['NoValue', 'Odd'] },
];
for (const c of cases) test(`blockingAlerts: ${c.name}`, () => assert.deepEqual(blockingAlerts(c.input ?? samples, c), c.want));

// A stand-in for a Prometheus-compatible backend on 127.0.0.1 that serves ONLY the query API
// (like vmselect or a Thanos Querier without the alerts API): /api/v1/alerts answers 404.
let server: Server;
let base: string;
let seen: { method?: string; path?: string; query?: string | null } = {};
let answer: (res: ServerResponse) => void = () => {};
before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen = { method: req.method, path: u.pathname, query: u.searchParams.get('query') };
    if (u.pathname === '/prom/api/v1/query') answer(res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom/`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
const json = (v: unknown, status = 200) => (res: ServerResponse) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));

/** An answer that never ends: 64 KiB every millisecond until the client hangs up. */
const endless = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).write('{"status":"success","data":{"resultType":"vector","result":[');
  const t = setInterval(() => res.write(Buffer.alloc(64 * 1024, ' ')), 1);
  res.on('close', () => clearInterval(t));
};

const httpCases: { name: string; answer: (res: ServerResponse) => void; blocked: boolean; reason?: RegExp; timeoutMs?: number; maxBytes?: number }[] = [
  { name: 'no alerts: not blocked', answer: json(vector([])), blocked: false },
  { name: 'firing alert blocks and is named', answer: json(vector(samples)), blocked: true, reason: /^active alerts: DiskSlow, NodeDown, Watchdog$/ },
  { name: 'HTTP 500 blocks (fail closed), naming the URL', answer: json({ status: 'error' }, 500), blocked: true, reason: /^cannot query Prometheus alerts \(ALERTS at http:\/\/127\.0\.0\.1:\d+\/prom\/api\/v1\/query\): HTTP 500 \(blocking until it answers\)$/ },
  { name: "Prometheus' own error is quoted", answer: json({ status: 'error', errorType: 'bad_data', error: 'parse error at char 1' }, 400), blocked: true, reason: /HTTP 400: parse error at char 1/ },
  { name: 'status error with HTTP 200 blocks', answer: json({ status: 'error', error: 'query timed out' }), blocked: true, reason: /status "error": query timed out/ },
  { name: 'bad JSON blocks', answer: (res) => res.writeHead(200).end('<html>'), blocked: true, reason: /cannot query Prometheus alerts .*: the answer is not JSON/ },
  { name: 'a matrix instead of a vector blocks', answer: json({ status: 'success', data: { resultType: 'matrix', result: [] } }), blocked: true, reason: /expected an instant vector .* got "matrix"/ },
  { name: 'the old alerts-API shape blocks', answer: json({ status: 'success', data: { alerts: [] } }), blocked: true, reason: /expected an instant vector/ },
  { name: 'a redirect is not followed and blocks, naming it', answer: (res) => res.writeHead(302, { location: 'http://127.0.0.1:9/login?next=x' }).end(), blocked: true, reason: /^cannot query Prometheus alerts \(ALERTS at http:\/\/127\.0\.0\.1:\d+\/prom\/api\/v1\/query\): answered 302 \(a redirect to http:\/\/127\.0\.0\.1:9\/login\?next=\*\*\*\); redirects are not followed: use the final URL \(blocking until it answers\)$/ },
  { name: 'an endless answer is read up to the cap and blocks', answer: endless, blocked: true, maxBytes: 1024 * 1024, timeoutMs: 20_000, reason: /: the answer is larger than 1 MiB; not read further \(blocking until it answers\)$/ },
  { name: 'an endless answer stops at the default cap (8 MiB) well before the timeout', answer: endless, blocked: true, timeoutMs: 20_000, reason: /: the answer is larger than 8 MiB; not read further/ },
  { name: 'timeout blocks', answer: () => {}, blocked: true, reason: /cannot query Prometheus alerts .*: .*(timeout|aborted)/i, timeoutMs: 200 },
];
for (const c of httpCases) {
  test(`alerts blocker over HTTP: ${c.name}`, async () => {
    answer = c.answer;
    const r = await new AlertsBlocker({ url: base, timeoutMs: c.timeoutMs ?? 2000, maxBytes: c.maxBytes }).check();
    assert.equal(r.blocked, c.blocked, JSON.stringify(r));
    if (c.reason) assert.match(r.blocked ? r.reason : '', c.reason);
  });
}

test('alerts blocker: asks the query API for ALERTS (GET), never /api/v1/alerts; firing-only and filter apply', async () => {
  answer = json(vector(samples));
  const r = await new AlertsBlocker({ url: base.replace(/\/$/, ''), firingOnly: true, filter: /^Watchdog$/ }).check();
  assert.deepEqual(seen, { method: 'GET', path: '/prom/api/v1/query', query: 'ALERTS' });
  assert.deepEqual(r, { blocked: true, reason: 'active alerts: NodeDown' });
});

test('alerts blocker: unreachable Prometheus blocks, naming the URL; a bad URL is refused at construction', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const r = await new AlertsBlocker({ url: `http://127.0.0.1:${port}` }).check();
  assert.equal(r.blocked, true);
  assert.match(r.blocked ? r.reason : '', new RegExp(`ALERTS at http://127\\.0\\.0\\.1:${port}/api/v1/query\\): `));
  assert.throws(() => new AlertsBlocker({ url: 'prometheus:9090' }), /prometheus-url: must be http or https/);
  assert.throws(() => new AlertsBlocker({ url: 'not a url' }), /prometheus-url: not a URL/);
});

test('alerts blocker: user:password in the URL goes as Basic auth, never into a reason', async () => {
  let auth: string | undefined;
  const s = createServer((req, res) => {
    auth = req.headers.authorization;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(vector([])));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  assert.deepEqual(await new AlertsBlocker({ url: `http://prom:s%40cret@127.0.0.1:${port}/` }).check(), { blocked: false });
  assert.equal(auth, `Basic ${Buffer.from('prom:s@cret').toString('base64')}`);
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
  // Unreachable now: the reason names the URL without the password.
  const r = await new AlertsBlocker({ url: `http://prom:s%40cret@127.0.0.1:${port}/` }).check();
  assert.ok(r.blocked);
  assert.doesNotMatch(r.reason, /cret|prom:/);
});

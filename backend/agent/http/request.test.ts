// request() and redactUrl() against a local HTTP server on 127.0.0.1 (nothing else is contacted).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnswerTooLarge, redactUrl, request } from './request.ts';

const redactCases: [string, string, boolean?][] = [
  ['https://user:pa55word@example.test:8443/x?token=abc&x=1#frag', 'https://***@example.test:8443/***?token=***&x=***'],
  ['https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'https://hooks.slack.com/***/***/***/***'],
  ['https://prod-1.westus.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s3cr3t', 'https://prod-1.westus.logic.azure.com/***/***/***/***/***/***?api-version=***&sig=***'],
  ['http://127.0.0.1:9/secret-key', 'http://127.0.0.1:9/***'],
  ['http://thanos:9090/select/0/prometheus/api/v1/query', 'http://thanos:9090/select/0/prometheus/api/v1/query', true],
  ['http://prom/k3yAbc12345/api/v1/query', 'http://prom/***/api/v1/query', true],
  ['not a url', '<not a URL>'],
];
for (const [url, want, showPath] of redactCases) test(`redactUrl: ${want}`, () => assert.equal(redactUrl(url, showPath), want));

let server: Server;
let base: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();
let cancelled = false;
before(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('user:password@ goes as a Basic header, not in the URL; a given Authorization wins', async () => {
  let seen: { auth?: string; url?: string } = {};
  handler = (req, res) => {
    seen = { auth: req.headers.authorization, url: req.url };
    res.end('ok');
  };
  const r = await request({ url: `${base.replace('//', '//al%40ice:p%3Ass@')}/hook?k=v`, method: 'POST', body: 'x', timeoutMs: 5000, maxBytes: 100 });
  assert.deepEqual(r, { status: 200, text: 'ok' });
  assert.equal(seen.auth, `Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
  assert.equal(seen.url, '/hook?k=v');
  await request({ url: base.replace('//', '//u:p@'), headers: { Authorization: 'Bearer t' }, timeoutMs: 5000, maxBytes: 100 });
  assert.equal(seen.auth, 'Bearer t');
});

test('a redirect is not followed: an error naming both URLs redacted', async () => {
  const hits: string[] = [];
  handler = (req, res) => {
    hits.push(req.url ?? '');
    if (req.url?.startsWith('/moved')) res.writeHead(307, { location: '/elsewhere/k3yAbc12345?sig=zz' }).end();
    else res.end('followed');
  };
  await assert.rejects(request({ url: `${base.replace('//', '//u:pw9@')}/moved/S3cretPath?token=t0k`, method: 'POST', body: 'b', timeoutMs: 5000, maxBytes: 100 }), (e: Error) => {
    assert.equal(e.message, `POST ${base.replace("//", "//***@")}/***/***?token=***: answered 307 (a redirect to ${base}/***/***?sig=***); redirects are not followed: use the final URL`);
    return true;
  });
  assert.deepEqual(hits, ['/moved/S3cretPath?token=t0k']);
});

test('an endless answer is read up to the cap, then cancelled', async () => {
  cancelled = false;
  handler = (_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const t = setInterval(() => res.write(chunk), 1);
    res.on('close', () => {
      clearInterval(t);
      cancelled = true;
    });
  };
  const t0 = Date.now();
  await assert.rejects(request({ url: `${base}/endless`, timeoutMs: 20_000, maxBytes: 64 * 1024 }), (e: Error) => {
    assert.ok(e instanceof AnswerTooLarge);
    assert.match(e.message, /^GET http:\/\/127\.0\.0\.1:\d+\/\*\*\*: the answer is larger than 64 KiB; not read further$/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000, 'stopped at the cap, not at the timeout');
  for (let i = 0; i < 50 && !cancelled; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(cancelled, 'the connection was closed: the rest was not read');
});

test('a network error names the URL redacted and says why', async () => {
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));
  await assert.rejects(request({ url: `http://u:pw9@127.0.0.1:${port}/k3yAbc12345?t=1`, timeoutMs: 5000, maxBytes: 10 }), (e: Error) => {
    assert.match(e.message, new RegExp(`^GET http://\\*\\*\\*@127\\.0\\.0\\.1:${port}/\\*\\*\\*\\?t=\\*\\*\\*: fetch failed \\(.*ECONNREFUSED`));
    assert.doesNotMatch(e.message, /pw9|k3yAbc/);
    return true;
  });
});

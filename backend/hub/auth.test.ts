import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, normalize, TokenAuth, TrustedSources, type Identity, type ReviewPort } from './auth.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const tokenCases: { name: string; headers: Record<string, string>; want: string | undefined }[] = [
  { name: 'Authorization header', headers: { authorization: 'Bearer abc.def' }, want: 'abc.def' },
  { name: 'case-insensitive scheme', headers: { authorization: 'bearer xyz' }, want: 'xyz' },
  { name: 'basic auth is not a bearer token', headers: { authorization: 'Basic dXNlcg==' }, want: undefined },
  { name: 'subprotocol', headers: { 'sec-websocket-protocol': `nodemend.v1, base64url.bearer.authorization.k8s.io.${b64('tok')}` }, want: 'tok' },
  { name: 'none', headers: {}, want: undefined },
];
for (const c of tokenCases) test(`bearerToken: ${c.name}`, () => assert.equal(bearerToken(c.headers), c.want));

function port(users: Record<string, Identity>, allowed: Set<string>, calls: string[], fail = false): ReviewPort {
  return {
    async tokenReview(t) {
      calls.push(`tr:${t}`);
      if (fail) throw new Error('connection refused');
      return users[t] ? { authenticated: true, user: users[t] } : { authenticated: false, error: 'invalid bearer token' };
    },
    async canListNodes(u) {
      calls.push(`sar:${u.username}`);
      return { allowed: allowed.has(u.username), reason: '' };
    },
  };
}

const authCases: { name: string; token: string | undefined; fail?: boolean; want: { ok: boolean; status?: number; match?: RegExp } }[] = [
  { name: 'no token: 401', token: undefined, want: { ok: false, status: 401, match: /no bearer token/ } },
  { name: 'unknown token: 401', token: 'bad', want: { ok: false, status: 401, match: /not accepted/ } },
  { name: 'known without RBAC: 403 naming user and fix', token: 'bob', want: { ok: false, status: 403, match: /bob may not list nodes.*grant/ } },
  { name: 'known with RBAC: ok', token: 'alice', want: { ok: true } },
  { name: 'API server unreachable: 503 (fail closed)', token: 'alice', fail: true, want: { ok: false, status: 503, match: /could not check/ } },
];
for (const c of authCases) {
  test(`TokenAuth: ${c.name}`, async () => {
    const a = new TokenAuth(port({ alice: { username: 'alice' }, bob: { username: 'bob' } }, new Set(['alice']), [], c.fail));
    const d = await a.check(c.token);
    assert.equal(d.ok, c.want.ok);
    if (!d.ok) {
      assert.equal(d.status, c.want.status);
      assert.match(d.reason, c.want.match!);
    }
  });
}

test('TokenAuth: caches decisions briefly, refusals shorter, outages never', async () => {
  let now = 0;
  const calls: string[] = [];
  let fail = false;
  const p = port({ alice: { username: 'alice' }, bob: { username: 'bob' } }, new Set(['alice']), calls);
  const a = new TokenAuth({ tokenReview: (t) => (fail ? Promise.reject(new Error('down')) : p.tokenReview(t)), canListNodes: p.canListNodes }, () => now, 30_000);
  await a.check('alice');
  await a.check('alice');
  assert.equal(calls.filter((c) => c === 'tr:alice').length, 1, 'allowed decision cached');
  await a.check('bob');
  now = 4000;
  await a.check('bob');
  assert.equal(calls.filter((c) => c === 'tr:bob').length, 1, 'refusal cached for a few seconds');
  now = 6000;
  await a.check('bob');
  assert.equal(calls.filter((c) => c === 'tr:bob').length, 2, 'refusal re-checked after ttl/6');
  fail = true;
  now = 100_000;
  assert.equal((await a.check('alice')).ok, false);
  fail = false;
  assert.equal((await a.check('alice')).ok, true, 'an outage is not cached');
});

const srcCases: { name: string; remote: string | undefined; api?: string[]; cidrs?: string[]; want: boolean }[] = [
  { name: 'loopback v4 (port-forward)', remote: '127.0.0.1', want: true },
  { name: 'loopback v6', remote: '::1', want: true },
  { name: 'mapped loopback', remote: '::ffff:127.0.0.1', want: true },
  { name: 'other loopback addresses are not port-forward', remote: '127.0.0.2', want: false },
  { name: 'API server address', remote: '10.0.0.5', api: ['10.0.0.5'], want: true },
  { name: 'mapped API server address', remote: '::ffff:10.0.0.5', api: ['10.0.0.5'], want: true },
  { name: 'a pod next door', remote: '10.0.0.6', api: ['10.0.0.5'], want: false },
  { name: 'operator CIDR', remote: '192.168.4.9', cidrs: ['192.168.4.0/24'], want: true },
  { name: 'no address', remote: undefined, want: false },
];
for (const c of srcCases) {
  test(`TrustedSources: ${c.name}`, () => {
    const t = new TrustedSources(c.cidrs ?? []);
    t.setApiServers(c.api ?? []);
    assert.equal(t.trusts(c.remote), c.want);
  });
}

test('normalize: maps IPv4-in-IPv6', () => assert.equal(normalize('::FFFF:1.2.3.4'), '1.2.3.4'));

test('TokenAuth: at most maxPending reviews at once; the rest get 503 without an API call', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  const a = new TokenAuth({
    tokenReview: async () => {
      calls++;
      await gate;
      return { authenticated: false, error: 'no' };
    },
    canListNodes: async () => ({ allowed: false, reason: '' }),
  }, Date.now, 30_000, 1024, 2);
  const first = [a.check('t1'), a.check('t2')];
  const third = await a.check('t3');
  assert.deepEqual([third.ok, !third.ok && third.status], [false, 503]);
  assert.equal(calls, 2);
  release();
  for (const d of await Promise.all(first)) assert.equal(!d.ok && d.status, 401);
  assert.equal((await a.check('t4')).ok, false);
  assert.equal(calls, 3, 'capacity is given back');
});

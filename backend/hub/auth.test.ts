import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiServerAddressesOf, audienceError, bearerToken, browserOrigin, normalize, TokenAuth, trustedClientKey, TrustedSources, type Identity, type ReviewPort, type SliceLike } from './auth.ts';

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

const slice = (name: string, addrs: string[], o: { ns?: string; type?: string; label?: string | null } = {}): SliceLike => ({
  metadata: { name, namespace: o.ns ?? 'default', labels: o.label === null ? {} : { 'kubernetes.io/service-name': o.label ?? 'kubernetes' } as Record<string, string> },
  addressType: o.type ?? 'IPv4',
  endpoints: addrs.map((a) => ({ addresses: [a] })),
});
const sliceCases: { name: string; slices: SliceLike[]; want: string[] }[] = [
  { name: "the API server's own slice", slices: [slice('kubernetes', ['10.0.0.5', '10.0.0.6'])], want: ['10.0.0.5', '10.0.0.6'] },
  { name: 'a foreign slice with the same label is ignored', slices: [slice('kubernetes', ['10.0.0.5']), slice('evil', ['10.9.9.9'])], want: ['10.0.0.5'] },
  { name: 'only a foreign slice: nothing trusted', slices: [slice('kubernetes-abcde', ['10.9.9.9'])], want: [] },
  { name: 'dual stack: the secondary family slice the API server writes', slices: [slice('kubernetes', ['10.0.0.5']), slice('kubernetes-v6', ['fd00::5'], { type: 'IPv6' })], want: ['10.0.0.5', 'fd00::5'] },
  { name: 'a "secondary" of the primary family is not the API server\'s', slices: [slice('kubernetes', ['10.0.0.5']), slice('kubernetes-v4', ['10.9.9.9'])], want: ['10.0.0.5'] },
  { name: 'right name, wrong namespace', slices: [slice('kubernetes', ['10.9.9.9'], { ns: 'tenant' })], want: [] },
  { name: 'right name, no service label', slices: [slice('kubernetes', ['10.9.9.9'], { label: null })], want: [] },
];
for (const c of sliceCases) test(`apiServerAddressesOf: ${c.name}`, () => assert.deepEqual(apiServerAddressesOf(c.slices), c.want));

test('trustedClientKey: the last X-Forwarded-For entry (the one the API server appended), else the source', () => {
  assert.equal(trustedClientKey('10.0.0.5', '6.6.6.6, 192.0.2.7', false), 'client 192.0.2.7', 'an entry the client wrote itself is ignored');
  assert.equal(trustedClientKey('10.0.0.5', ['1.1.1.1', '192.0.2.8'], false), 'client 192.0.2.8');
  assert.equal(trustedClientKey('::ffff:10.0.0.5', undefined, false), 'source 10.0.0.5');
  assert.equal(trustedClientKey('127.0.0.1', '192.0.2.9', true), 'port-forward', 'a port-forward client can write any header: all share one group');
});

test('browserOrigin: present only when a web page sent one', () => {
  assert.equal(browserOrigin({ origin: 'https://evil.example' }), 'https://evil.example');
  assert.equal(browserOrigin({ 'sec-websocket-origin': 'http://old.example' }), 'http://old.example');
  assert.equal(browserOrigin({}), undefined);
});

test('audienceError: none asked, one matching, none matching', () => {
  assert.equal(audienceError([], undefined), undefined);
  assert.equal(audienceError(['nodemend-hub'], ['nodemend-hub']), undefined);
  assert.match(audienceError(['nodemend-hub'], [])!, /not issued for this hub's audience \(nodemend-hub\).*--audience=nodemend-hub/);
});

test('TokenAuth: a fresh check asks again even with a cached decision, and refreshes the cache', async () => {
  const calls: string[] = [];
  const allowed = new Set(['alice']);
  const a = new TokenAuth(port({ alice: { username: 'alice' } }, allowed, calls), () => 0, 30_000);
  assert.equal((await a.check('alice')).ok, true);
  allowed.delete('alice');
  assert.equal((await a.check('alice')).ok, true, 'cached');
  const d = await a.check('alice', { fresh: true });
  assert.deepEqual([d.ok, !d.ok && d.status], [false, 403]);
  assert.equal((await a.check('alice')).ok, false, 'the refusal replaced the cached allow');
});

test('TokenAuth: an allowed decision carries the per-user key', async () => {
  const d = await new TokenAuth(port({ alice: { username: 'alice' } }, new Set(['alice']), [])).check('alice');
  assert.equal(d.ok && d.key, 'user alice');
});

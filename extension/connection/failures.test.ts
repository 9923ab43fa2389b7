import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpFailure, safeUrl, socketFailure, type Failure, type Where } from './failures.ts';

const proxy: Where = { mode: 'proxy', context: 'dev', namespace: 'nodemend' };
const url: Where = { mode: 'url', context: 'dev', namespace: 'nodemend' };
const pf: Where = { mode: 'port-forward', context: 'dev', namespace: 'nodemend' };
const status = (message: string) => JSON.stringify({ kind: 'Status', message });

const cases: { name: string; code: number; body: string; w: Where; state: Failure['state']; has: string; transient: boolean }[] = [
  { name: 'service missing through the proxy = not installed', code: 404, body: status('services "nodemend-hub" not found'), w: proxy, state: 'no-backend', has: 'nodemend is not installed in context "dev" (no Service nodemend-hub in namespace "nodemend")', transient: false },
  { name: '404 from a hub URL is an error, not "not installed"', code: 404, body: 'not found', w: url, state: 'error', has: 'HTTP 404', transient: false },
  { name: 'no endpoints yet', code: 503, body: status('no endpoints available for service "nodemend-hub"'), w: proxy, state: 'connecting', has: 'not ready yet', transient: true },
  { name: 'the hub still starting', code: 503, body: JSON.stringify({ error: 'cluster state not synced yet; retry shortly' }), w: url, state: 'connecting', has: 'The hub is not ready: cluster state not synced yet; retry shortly; retrying.', transient: true },
  { name: '401 through the proxy', code: 401, body: '', w: proxy, state: 'error', has: 'The API server rejected your credentials for context "dev"', transient: false },
  { name: '401 from the hub explains token auth', code: 401, body: '', w: url, state: 'error', has: 'needs a bearer token', transient: false },
  { name: '403 through the proxy names services/proxy', code: 403, body: status('forbidden'), w: proxy, state: 'error', has: 'lack "get" on "services/proxy" in namespace "nodemend"', transient: false },
  { name: '403 with port-forward names pods/portforward', code: 403, body: '', w: pf, state: 'error', has: '"create" on "pods/portforward"', transient: false },
  { name: '403 from the hub names node listing', code: 403, body: '', w: url, state: 'error', has: 'permission to list nodes', transient: false },
  { name: '502 is retried', code: 502, body: status('bad gateway'), w: proxy, state: 'error', has: 'HTTP 502): bad gateway', transient: true },
];
for (const c of cases) {
  test(`httpFailure: ${c.name}`, () => {
    const f = httpFailure(c.code, c.body, c.w);
    assert.equal(f.state, c.state);
    assert.ok(f.detail.includes(c.has), f.detail);
    assert.equal(f.transient, c.transient);
    if (f.state === 'error') assert.ok(f.problem, 'an error says what kind of problem it is');
  });
}

test('socketFailure: refused connection names the place without credentials', () => {
  const e = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const f = socketFailure(e, 'ws://user:pw@127.0.0.1:9/stream?token=x');
  assert.equal(f.detail, 'Cannot reach ws://127.0.0.1:9/stream (ECONNREFUSED); retrying.');
  assert.equal(f.problem, 'unreachable');
  assert.equal(safeUrl('nope'), '(invalid URL)');
});

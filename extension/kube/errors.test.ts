import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeKubeError, statusMessage, type Attempt } from './errors.ts';

const patchNode: Attempt = { what: 'schedule a reboot of node n-1', verb: 'patch', resource: 'nodes', name: 'n-1', context: 'dev' };
const patchDs: Attempt = {
  what: 'block reboots cluster-wide', verb: 'patch', resource: 'daemonsets', group: 'apps', namespace: 'nodemend', name: 'nodemend-agent',
};
const forbiddenBody = JSON.stringify({ kind: 'Status', message: 'nodes "n-1" is forbidden: User "bob" cannot patch resource "nodes"', code: 403 });

const cases: { name: string; err: unknown; a: Attempt; has: string[] }[] = [
  { name: '403 names verb, resource, scope and context', err: { code: 403, body: forbiddenBody }, a: patchNode, has: ['Not allowed to schedule a reboot of node n-1', '"patch" on "nodes" (cluster-wide)', 'context "dev"', 'ClusterRole'] },
  { name: '403 on a namespaced resource names the group and namespace', err: { code: 403, body: '{}' }, a: patchDs, has: ['"patch" on "daemonsets.apps" in namespace "nodemend"'] },
  { name: '401 asks to log in again', err: { code: 401, body: '' }, a: patchNode, has: ['rejected your credentials', 'context "dev"'] },
  { name: '404 names the object', err: { code: 404, body: { message: 'nodes "n-1" not found' } }, a: patchNode, has: ['nodes "n-1" not found'] },
  { name: '409 says retry', err: { code: 409 }, a: patchNode, has: ['409 Conflict', 'Retry'] },
  { name: '422 quotes the server', err: { code: 422, body: JSON.stringify({ message: 'metadata.annotations: Invalid value' }) }, a: patchNode, has: ['refused to schedule', 'Invalid value'] },
  { name: '500 says retry', err: { code: 503, body: 'etcd down' }, a: patchNode, has: ['failed to schedule', '(503)', 'etcd down'] },
  { name: 'network error found in the cause chain', err: { message: 'fetch failed', cause: { code: 'ECONNREFUSED' } }, a: patchNode, has: ['Cannot reach the API server', 'ECONNREFUSED'] },
  { name: 'anything else keeps the first line of the message', err: new Error('boom\nstack'), a: patchNode, has: ['Could not schedule a reboot of node n-1: boom'] },
  { name: 'a thrown string', err: 'weird', a: patchNode, has: ['weird'] },
];
for (const c of cases) {
  test(`describeKubeError: ${c.name}`, () => {
    const m = describeKubeError(c.err, c.a);
    for (const h of c.has) assert.ok(m.includes(h), `${JSON.stringify(m)} should include ${JSON.stringify(h)}`);
    assert.ok(!m.includes('\n'), 'one line');
  });
}

test('statusMessage reads JSON strings, objects, and plain text', () => {
  assert.equal(statusMessage('{"message":"x"}'), 'x');
  assert.equal(statusMessage({ message: 'y' }), 'y');
  assert.equal(statusMessage('{"error":"hub says no"}'), 'hub says no');
  assert.equal(statusMessage('plain'), 'plain');
  assert.equal(statusMessage(''), undefined);
  assert.equal(statusMessage(undefined), undefined);
});

// Counting an agent's requests in the audit log: each request once (a watch's two stages are one
// request), only the given user's, only those received in the window, broken down by verb and
// resource. The real API server's log format is checked in test/integration/audit.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countAudit } from './audit.ts';

const SA = 'system:serviceaccount:nodemend:nodemend-agent';
const T0 = Date.parse('2026-11-24T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('Z', '123Z'); // microseconds, as the API server writes
const line = (id: string, s: number, o: { user?: string; verb?: string; resource?: string; sub?: string; stage?: string; uri?: string } = {}) =>
  JSON.stringify({
    kind: 'Event', level: 'Metadata', auditID: id, stage: o.stage ?? 'ResponseComplete', requestURI: o.uri ?? '/api/v1/nodes/n1', verb: o.verb ?? 'get',
    user: { username: o.user ?? SA }, requestReceivedTimestamp: at(s),
    ...(o.resource === '' ? {} : { objectRef: { resource: o.resource ?? 'nodes', ...(o.sub ? { subresource: o.sub } : {}) } }),
  });

const cases: { name: string; lines: string[]; from?: number; to?: number; want: number; by?: Record<string, number> }[] = [
  { name: 'empty log', lines: [], want: 0 },
  { name: 'one get', lines: [line('a', 1)], want: 1, by: { 'get nodes': 1 } },
  {
    name: "a watch's two stages are one request",
    lines: [line('w', 1, { verb: 'watch', stage: 'ResponseStarted' }), line('w', 1, { verb: 'watch', stage: 'ResponseComplete' })],
    want: 1, by: { 'watch nodes': 1 },
  },
  { name: "another user's requests are not counted", lines: [line('a', 1), line('b', 2, { user: 'system:kube-controller-manager' }), line('c', 3, { user: `${SA}-other` })], want: 1 },
  { name: 'received before the window: not counted', lines: [line('a', -1), line('b', 0)], from: 0, want: 1 },
  { name: 'received at the end of the window: not counted', lines: [line('a', 9.999), line('b', 10)], to: 10, want: 1 },
  {
    name: 'by verb and resource, subresources apart, most first',
    lines: [line('a', 1, { verb: 'patch' }), line('b', 2, { verb: 'patch' }), line('c', 3, { verb: 'patch', sub: 'status' }), line('d', 4, { verb: 'update', resource: 'leases' })],
    want: 4, by: { 'patch nodes': 2, 'patch nodes/status': 1, 'update leases': 1 },
  },
  { name: 'a non-resource request is named by its path', lines: [line('a', 1, { resource: '', uri: '/version?timeout=32s' })], want: 1, by: { 'get /version': 1 } },
  { name: 'garbage and half-written lines are skipped', lines: ['not json', `{"user":{"username":"${SA}"`, line('a', 1)], want: 1 },
  { name: 'a line without an audit ID is skipped', lines: [JSON.stringify({ user: { username: SA }, requestReceivedTimestamp: at(1), verb: 'get' })], want: 0 },
];

for (const c of cases) {
  test(`countAudit: ${c.name}`, () => {
    const r = countAudit(c.lines.join('\n'), SA, T0 + (c.from ?? -3600) * 1000, T0 + (c.to ?? 3600) * 1000);
    assert.equal(r.requests, c.want);
    if (c.by) assert.deepEqual(r.byVerbResource, c.by);
    assert.deepEqual(Object.keys(r.byVerbResource), Object.keys(r.byVerbResource).sort((a, b) => r.byVerbResource[b] - r.byVerbResource[a] || a.localeCompare(b)));
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditWindow, kuredModel, logLogSlope, scaleRow, slopeRows, toAgents, watchFigures } from './scale-model.ts';
import { scaleSection } from './scale.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} is not ${b}`);

test('log-log slope: exact power laws give their exponent and coefficient', () => {
  const quad = [50, 100, 250, 500].map((n) => [n, 9.1 * n * n] as const);
  const q = logLogSlope(quad);
  close(q.slope, 2);
  close(q.coefficient, 9.1, 1e-6);
  close(logLogSlope([[10, 30], [1000, 3000]]).slope, 1);
  // A linear term plus a quadratic one lies between 1 and 2 (scale.md's agent-request fit).
  const mixed = logLogSlope([10, 40, 160].map((n) => [n, 47.5 * n + 0.88 * n * n] as const)).slope;
  assert.ok(mixed > 1 && mixed < 2, String(mixed));
});

test('log-log slope: least squares over every point, not the two end points', () => {
  // log10 points (0, 0), (1, 1), (3, 6): the end points alone give 2; least squares 87/42.
  close(logLogSlope([[1, 1], [10, 10], [1000, 1e6]]).slope, 87 / 42);
});

test('log-log slope: refuses what has no logarithm or no spread', () => {
  assert.throws(() => logLogSlope([[10, 5]]), /at least 2 points/);
  assert.throws(() => logLogSlope([[10, 0], [20, 5]]), /must be > 0/);
  assert.throws(() => logLogSlope([[10, 1], [10, 2]]), /distinct x/);
});

const row = (n: number, k: number) => scaleRow({
  n, concurrency: 4, periodSeconds: 15, rebootSeconds: 3, completed: true, rolloutSeconds: n,
  agentRequests: k * n, agentRequestsByKind: { 'get nodes': k * n }, idleRequestsPerAgentHour: 0,
  eventsToAgents: { leases: n * n, daemonsets: n, nodes: 2 * n }, bytesToAgents: 1000 * n * n,
  apiServerCpuSeconds: n / 10, etcdCpuSeconds: n / 100, agentsCpuSeconds: 1, handoffsMs: [100, 200, 300, 400, 1000],
});

test('a scale row: n, requests plus events as API work, handoff percentiles in seconds', () => {
  const r = row(100, 47);
  assert.equal(r.system, 'nodemend');
  assert.equal(r.source, 'measured');
  assert.equal(r.n, 100);
  assert.equal(r.apiWork, 4700 + 10_000 + 100 + 200);
  assert.equal(r.handoffP50Seconds, 0.3);
  assert.equal(r.handoffP95Seconds, 0.88);
  assert.equal(scaleRow({ ...r, handoffsMs: [] }).handoffP95Seconds, null);
});

test('the scale section: measured rows, slopes per figure with the N they cover, Kured modelled', () => {
  const s = scaleSection([row(50, 47), row(100, 47), row(250, 47)], { measuredAt: 'x' }) as { rows: { n: number }[]; slope: { system: string; figure: string; slope: number; ns: number[] }[]; kuredModel: { system: string; source: string; n: number }[]; measuredNs: number[] };
  assert.deepEqual(s.measuredNs, [50, 100, 250]);
  assert.deepEqual(s.rows.map((r) => r.n), [50, 100, 250]);
  const by = (sys: string, fig: string) => s.slope.find((x) => x.system === sys && x.figure === fig);
  assert.equal(by('nodemend', 'agentRequests')?.slope, 1);
  assert.equal(by('nodemend', 'bytesToAgents')?.slope, 2);
  assert.deepEqual(by('nodemend', 'apiWork')?.ns, [50, 100, 250]);
  assert.ok(by('kured-10s (model)', 'apiWork'), 'Kured at 10 s has a slope');
  assert.ok(by('kured-1h (model)', 'apiWork'), 'Kured at 1 h has a slope');
  assert.ok(s.kuredModel.every((k) => k.source === 'model'));
  assert.deepEqual(s.kuredModel.filter((k) => k.system === 'kured-10s').map((k) => k.n), [50, 100, 250]);
  // One N has no slope.
  assert.deepEqual(slopeRows('nodemend', [row(50, 1)], { apiWork: (r: { apiWork: number }) => r.apiWork }), []);
});

test('Kured model: a short period queues (quadratic), a long one polls once per node (linear)', () => {
  const fast = [50, 100, 200].map((n) => kuredModel({ n, periodSeconds: 10, concurrency: 4, holdSeconds: 69 }));
  const slow = [50, 100, 200].map((n) => kuredModel({ n, periodSeconds: 3600, concurrency: 4, holdSeconds: 69 }));
  const sFast = logLogSlope(fast.map((k) => [k.n, k.requests] as const)).slope;
  const sSlow = logLogSlope(slow.map((k) => [k.n, k.requests] as const)).slope;
  assert.ok(sFast > 1.8 && sFast < 2.05, `10 s: ${sFast}`);
  assert.ok(sSlow > 0.95 && sSlow < 1.2, `1 h: ${sSlow}`);
  // At 10 s the rollout is the holds back to back: ceil(n / c) · hold, plus at most a period each.
  const k = fast[0];
  assert.ok(k.rolloutSeconds >= Math.ceil(50 / 4) * 69 && k.rolloutSeconds <= Math.ceil(50 / 4) * (69 + 10) + 10, String(k.rolloutSeconds));
  // One node, free slot at its first tick: 3 reads, 1 update, 15 more.
  assert.equal(kuredModel({ n: 1, periodSeconds: 10, concurrency: 1, holdSeconds: 5 }).requests, 19);
});

test('events to agents: all sent, less the baseline rate and the control plane watchers\' copies', () => {
  // 1000 sent in 100 s; the control plane alone sent 1/s; 2 of its watchers saw 150 extra writes.
  assert.equal(toAgents({ sent: 1000, baselineRate: 1, seconds: 100, cpWatchers: 2, writes: 160, baselineWriteRate: 0.1 }), 1000 - 100 - 2 * 150);
  assert.equal(toAgents({ sent: 10, baselineRate: 1, seconds: 100, cpWatchers: 2, writes: 0, baselineWriteRate: 0 }), 0);
});

test('audit window: the user\'s requests by kind, writes by anyone by resource, leases of one namespace only', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const line = (id: string, user: string, verb: string, resource: string, t: number, ns = 'nodemend', sub?: string) =>
    JSON.stringify({ auditID: id, verb, user: { username: user }, requestReceivedTimestamp: at(t), objectRef: { resource, namespace: ns, ...(sub ? { subresource: sub } : {}) } });
  const A = 'system:serviceaccount:nodemend:nodemend-agent';
  const text = [
    line('1', A, 'get', 'nodes', 1), line('1', A, 'get', 'nodes', 1), // one request, two stages
    line('2', A, 'update', 'leases', 2),
    line('3', 'kwok', 'update', 'leases', 3, 'kube-node-lease'), // another namespace: not counted
    line('4', 'dsc', 'update', 'daemonsets', 4, 'nodemend', 'status'),
    line('5', A, 'patch', 'nodes', 99), // outside the window
    'not json',
  ].join('\n');
  const w = auditWindow(text, A, 'nodemend', Date.parse(at(0)), Date.parse(at(10)));
  assert.equal(w.userRequests, 2);
  assert.equal(w.allRequests, 4);
  assert.deepEqual(w.userByKind, { 'get nodes': 1, 'update leases': 1 });
  assert.deepEqual(w.writes, { leases: 1, daemonsets: 1, nodes: 0 });
  // The log and its rotated part: a request in both is counted once.
  const rotated = auditWindow([text, line('2', A, 'update', 'leases', 2), line('6', A, 'get', 'leases', 5)], A, 'nodemend', Date.parse(at(0)), Date.parse(at(10)));
  assert.equal(rotated.userRequests, 3);
  assert.deepEqual(rotated.userByKind, { 'get leases': 1, 'get nodes': 1, 'update leases': 1 });
});

test('watch figures from /metrics: by resource, WATCH requests only for the open-watch gauge', () => {
  const m = [
    'apiserver_watch_events_total{component="apiserver",group="coordination.k8s.io",resource="leases",version="v1"} 12',
    'apiserver_watch_events_total{component="apiserver",group="",resource="nodes",version="v1"} 5',
    'apiserver_watch_events_sizes_sum{component="apiserver",group="apps",resource="daemonsets",version="v1"} 8500',
    'apiserver_longrunning_requests{component="apiserver",group="",resource="nodes",scope="cluster",subresource="",verb="WATCH"} 4',
    'apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="log",verb="CONNECT"} 1',
    'apiserver_request_total{code="200",resource="nodes",verb="GET"} 7',
    'apiserver_request_total{code="201",resource="leases",verb="POST"} 3',
    'apiserver_audit_error_total{plugin="log"} 2',
  ].join('\n');
  const w = watchFigures(m);
  assert.deepEqual(w.events, { leases: 12, daemonsets: 0, nodes: 5 });
  assert.deepEqual(w.bytes, { leases: 0, daemonsets: 8500, nodes: 0 });
  assert.deepEqual(w.watchers, { leases: 0, daemonsets: 0, nodes: 4 });
  assert.equal(w.requests, 10);
  assert.equal(w.auditErrors, 2);
});

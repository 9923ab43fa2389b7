import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expired, kuredAdoption, kuredSlotCheck, parseKuredLock, unschedulableOwners, type KuredCordonFacts, type KuredHolder, type KuredLockFact } from './kured.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const MIN = 60_000;
const NS_PER_MS = 1e6;

// Values exactly as Kured 1.23 writes them (Go's encoding/json of LockAnnotationValue and
// multiLockAnnotationValue: time.Time as RFC 3339 with nanoseconds, time.Duration in nanoseconds).
const SINGLE = '{"nodeID":"k1","metadata":{"unschedulable":false},"created":"2026-06-17T11:50:00.123456789Z","TTL":0}';
const SINGLE_TTL = `{"nodeID":"k1","metadata":{"unschedulable":true},"created":"2026-06-17T11:50:00Z","TTL":${30 * MIN * NS_PER_MS}}`;
const MULTI = '{"maxOwners":2,"locks":[{"nodeID":"k1","metadata":{"unschedulable":false},"created":"2026-06-17T11:50:00Z","TTL":0},{"nodeID":"k2","metadata":{"unschedulable":true},"created":"2026-06-17T11:55:00+02:00","TTL":0}]}';

const parseCases: { name: string; value: string | undefined; want: KuredHolder[] | RegExp }[] = [
  { name: 'no annotation: no holder', value: undefined, want: [] },
  { name: 'single holder, TTL 0', value: SINGLE, want: [{ node: 'k1', wasUnschedulable: false, created: Date.parse('2026-06-17T11:50:00.123Z'), ttlMs: 0 }] },
  { name: 'single holder with a TTL (ns)', value: SINGLE_TTL, want: [{ node: 'k1', wasUnschedulable: true, created: Date.parse('2026-06-17T11:50:00Z'), ttlMs: 30 * MIN }] },
  { name: 'multi-holder form', value: MULTI, want: [{ node: 'k1', wasUnschedulable: false, created: Date.parse('2026-06-17T11:50:00Z'), ttlMs: 0 }, { node: 'k2', wasUnschedulable: true, created: Date.parse('2026-06-17T09:55:00Z'), ttlMs: 0 }] },
  { name: 'multi-holder form, all released', value: '{"maxOwners":2,"locks":[]}', want: [] },
  { name: 'multi-holder form, locks null', value: '{"maxOwners":2,"locks":null}', want: [] },
  { name: 'Go zero time (created missing in Go) with TTL 0', value: '{"nodeID":"k1","metadata":{"unschedulable":false},"created":"0001-01-01T00:00:00Z","TTL":0}', want: [{ node: 'k1', wasUnschedulable: false, created: Date.parse('0001-01-01T00:00:00Z'), ttlMs: 0 }] },
  { name: 'no metadata: unknown (never adopted)', value: '{"nodeID":"k1","created":"2026-06-17T11:50:00Z","TTL":0}', want: [{ node: 'k1', created: Date.parse('2026-06-17T11:50:00Z'), ttlMs: 0 }] },
  { name: 'not JSON', value: '{oops', want: /^not JSON: "\{oops"$/ },
  { name: 'a JSON list', value: '[]', want: /not a JSON object/ },
  { name: 'no nodeID', value: '{"created":"2026-06-17T11:50:00Z","TTL":0}', want: /no "nodeID"/ },
  { name: 'created not RFC 3339', value: '{"nodeID":"k1","created":"yesterday","TTL":0}', want: /"created" is not an RFC 3339 time: "yesterday"/ },
  { name: 'TTL as a Go duration string', value: '{"nodeID":"k1","created":"2026-06-17T11:50:00Z","TTL":"30m"}', want: /"TTL" is not a number of nanoseconds: "30m"/ },
  { name: 'locks not a list', value: '{"maxOwners":2,"locks":{}}', want: /"locks" is not a list/ },
  { name: 'a bad entry in locks names its index', value: '{"maxOwners":2,"locks":[{"nodeID":"k1","created":"2026-06-17T11:50:00Z","TTL":0},{"nodeID":""}]}', want: /^locks\[1\]: no "nodeID"$/ },
];
for (const c of parseCases) {
  test(`parseKuredLock: ${c.name}`, () => {
    const r = parseKuredLock(c.value);
    if (c.want instanceof RegExp) {
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, c.want);
    } else assert.deepEqual(r, { ok: true, holders: c.want });
  });
}

test('expired: Kured\'s ttlExpired (TTL 0 never; at exactly TTL, expired)', () => {
  const h = (ttlMs: number, ageMs: number): KuredHolder => ({ node: 'k', created: NOW - ageMs, ttlMs });
  assert.equal(expired(h(0, 1e12), NOW), false);
  assert.equal(expired(h(MIN, MIN - 1), NOW), false);
  assert.equal(expired(h(MIN, MIN), NOW), true);
});

const W = 'DaemonSet kube-system/kured';
const read = (...holders: KuredHolder[]): KuredLockFact => ({ kind: 'read', where: W, holders });
const H = (node: string, o: Partial<KuredHolder> = {}): KuredHolder => ({ node, created: NOW - 5 * MIN, ttlMs: 0, wasUnschedulable: false, ...o });
const slotCases: { name: string; fact: KuredLockFact | undefined; want: string[] | RegExp }[] = [
  { name: 'no Kured port', fact: undefined, want: [] },
  { name: 'cutover off', fact: { kind: 'off' }, want: [] },
  { name: 'Kured not installed', fact: { kind: 'absent', where: W }, want: [] },
  { name: 'live holders count, sorted and unique', fact: read(H('k2'), H('k1'), H('k1')), want: ['k1', 'k2'] },
  { name: 'expired holders do not', fact: read(H('k1', { ttlMs: MIN }), H('k2', { ttlMs: 10 * MIN })), want: ['k2'] },
  { name: 'this node does not count against itself', fact: read(H('me'), H('k1')), want: ['k1'] },
  { name: 'unreadable DaemonSet: no slot, says what RBAC it needs', fact: { kind: 'unknown', where: W, error: 'the list fails (see the agent log)' }, want: /cannot read Kured's lock on DaemonSet kube-system\/kured: the list fails .*get, list and watch on that DaemonSet .*--kured-ds-name=/ },
  { name: 'unparseable annotation: no slot, says how to fix', fact: { kind: 'invalid', where: W, error: 'annotation weave.works/kured-node-lock: not JSON: "x"' }, want: /Kured's lock on DaemonSet kube-system\/kured cannot be read \(annotation weave.works\/kured-node-lock: not JSON: "x"\), .*remove the annotation once no Kured agent runs/ },
];
for (const c of slotCases) {
  test(`kuredSlotCheck: ${c.name}`, () => {
    const r = kuredSlotCheck(c.fact, 'me', NOW);
    if (c.want instanceof RegExp) {
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, c.want);
    } else {
      assert.equal(r.ok, true);
      assert.deepEqual(r.ok ? r.holders : [], c.want);
    }
  });
}

const F = (o: Partial<KuredCordonFacts> = {}): KuredCordonFacts => ({ unschedulable: true, cordonManagers: ['kured'], kuredPods: [], resourceVersion: '7', ...o });
const adoptCases: { name: string; e: KuredHolder | undefined; n: KuredCordonFacts; adopt: boolean; why: RegExp }[] = [
  { name: 'Kured cordoned it, was schedulable, Kured gone: uncordon', e: H('me'), n: F(), adopt: true, why: /Kured cordoned this node/ },
  { name: 'expired TTL changes nothing when Kured is gone', e: H('me', { ttlMs: MIN }), n: F(), adopt: true, why: /Kured cordoned/ },
  { name: 'not named by the lock', e: undefined, n: F(), adopt: false, why: /does not name this node/ },
  { name: 'not cordoned', e: H('me'), n: F({ unschedulable: false }), adopt: false, why: /not cordoned/ },
  { name: 'cordoned before Kured (a person): kept', e: H('me', { wasUnschedulable: true }), n: F(), adopt: false, why: /already cordoned before Kured/ },
  { name: 'lock entry without metadata: kept', e: H('me', { wasUnschedulable: undefined }), n: F(), adopt: false, why: /already cordoned before Kured/ },
  { name: 're-cordoned later by a person (kubectl owns the field): kept', e: H('me'), n: F({ cordonManagers: ['kubectl'] }), adopt: false, why: /written by kubectl, not by Kured/ },
  { name: 'Kured and a person both own the field: kept', e: H('me'), n: F({ cordonManagers: ['kubectl-patch', 'kured'] }), adopt: false, why: /by kubectl-patch/ },
  { name: 'no owner recorded: kept', e: H('me'), n: F({ cordonManagers: [] }), adopt: false, why: /unknown writer/ },
  { name: 'Kured still runs on the node: kept (it uncordons itself)', e: H('me'), n: F({ kuredPods: ['kured-x'] }), adopt: false, why: /Kured still runs on the node \(pod kured-x\)/ },
  { name: 'Kured still runs, TTL expired: kept (it drains past its TTL)', e: H('me', { ttlMs: MIN }), n: F({ kuredPods: ['kured-x'] }), adopt: false, why: /Kured still runs/ },
  { name: 'Kured pods could not be listed: kept', e: H('me'), n: F({ kuredPods: undefined }), adopt: false, why: /cannot tell whether Kured still runs/ },
];
for (const c of adoptCases) {
  test(`kuredAdoption: ${c.name}`, () => {
    const r = kuredAdoption(c.e, c.n);
    assert.equal(r.adopt, c.adopt, r.why);
    assert.match(r.why, c.why);
  });
}

test('unschedulableOwners: managers of spec.unschedulable, main resource only', () => {
  const mf = [
    { manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {}, 'f:spec': { 'f:unschedulable': {} } } },
    { manager: 'kured', operation: 'Update', fieldsV1: { 'f:spec': { 'f:unschedulable': {} } } },
    { manager: 'nodemend', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:annotations': {} } } },
    { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:spec': { 'f:taints': {} } } },
  ];
  assert.deepEqual(unschedulableOwners(mf), ['kured']);
  assert.deepEqual(unschedulableOwners(undefined), []);
});

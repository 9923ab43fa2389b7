import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecast, makespan, median, recordDuration } from './forecast.ts';
import type { LockView, NodeView } from '../../protocol/messages.ts';
import type { BlockKind, Phase, RebootRecord } from '../../protocol/model.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const MIN = 60_000;
const rec = (ms: number, end = '2026-11-24T09:00:00Z', outcome: RebootRecord['outcome'] = 'succeeded'): RebootRecord => ({ start: new Date(Date.parse(end) - ms).toISOString(), end, outcome });
type Opts = { history?: RebootRecord[]; since?: number; nextWindow?: string; required?: boolean; concurrency?: number; blockedBy?: BlockKind[]; pdbs?: string[]; block?: { reason: string; until?: string } };
const n = (name: string, phase: Phase | undefined, opts: Opts = {}): NodeView => ({
  name, ready: true, unschedulable: false, cordonedByUs: false, requests: opts.block ? { block: opts.block } : {}, requestErrors: [], history: opts.history ?? [],
  ...(phase ? { state: { v: 1, phase, reason: 'free text the forecast never reads: PodDisruptionBudget x/y', since: new Date(opts.since ?? NOW).toISOString(), rebootRequired: opts.required ?? phase !== 'healthy', agent: 'a', ...(opts.nextWindow ? { nextWindow: opts.nextWindow } : {}), ...(opts.concurrency ? { limits: { concurrency: opts.concurrency } } : {}), ...(opts.blockedBy ? { blockedBy: opts.blockedBy } : {}), ...(opts.pdbs ? { pdbs: opts.pdbs } : {}) } } : {}),
});
const held = (name: string, blockedBy: BlockKind[] | undefined, o: Opts = {}) => n(name, 'blocked', { ...o, blockedBy });
const slots = (k: number, held: Record<number, [string, number]> = {}): LockView => ({
  slots: Array.from({ length: k }, (_, i) => ({ name: `nodemend-lock-${i}`, scope: 'cluster', ...(held[i] ? { holder: held[i][0], since: new Date(held[i][1]).toISOString() } : {}) })),
  waiting: [],
});
const measured = [n('h1', 'healthy', { history: [rec(10 * MIN), rec(12 * MIN), rec(11 * MIN)] })];

const cases: { name: string; nodes: NodeView[]; locks?: LockView; windowClosesAt?: number; clusterBlock?: { reason: string; until?: string }; want: Record<string, unknown> }[] = [
  { name: 'nothing pending', nodes: [n('a', 'healthy'), n('b', undefined)], want: { pending: 0, enoughData: true } },
  { name: 'too little data says so', nodes: [n('a', 'reboot-required', { history: [rec(MIN)] })], want: { pending: 1, enoughData: false, basis: 'only 1 measured reboot; need 3 to forecast' } },
  { name: 'failed reboots are not samples', nodes: [n('a', 'reboot-required', { history: [rec(MIN, undefined, 'failed'), rec(MIN, undefined, 'failed'), rec(MIN)] })], want: { enoughData: false } },
  { name: 'one slot: pending nodes run one after the other', nodes: [...measured, n('a', 'reboot-required'), n('b', 'waiting-lock')], locks: slots(1), want: { pending: 2, perNodeMs: 11 * MIN, finishAt: new Date(NOW + 22 * MIN).toISOString() } },
  { name: 'two slots halve it', nodes: [...measured, n('a', 'reboot-required'), n('b', 'waiting-lock')], locks: slots(2), want: { finishAt: new Date(NOW + 11 * MIN).toISOString() } },
  { name: 'no slot leases yet counts as concurrency 1', nodes: [...measured, n('a', 'reboot-required'), n('b', 'reboot-required')], locks: slots(0), want: { finishAt: new Date(NOW + 22 * MIN).toISOString() } },
  { name: 'a node mid-reboot only needs what is left', nodes: [...measured, n('a', 'rebooting')], locks: slots(1, { 0: ['a', NOW - 5 * MIN] }), want: { pending: 1, finishAt: new Date(NOW + 6 * MIN).toISOString() } },
  { name: 'overdue node counts as finishing now', nodes: [...measured, n('a', 'draining'), n('b', 'reboot-required')], locks: slots(1, { 0: ['a', NOW - 30 * MIN] }), want: { finishAt: new Date(NOW + 11 * MIN).toISOString() } },
  { name: 'closed window: starts at the next opening, fit unknown and why', nodes: [...measured, n('a', 'waiting-window', { nextWindow: '2026-11-24T22:00:00Z' })], locks: slots(1), want: { finishAt: new Date(Date.parse('2026-11-24T22:00:00Z') + 11 * MIN).toISOString(), fitsWindow: undefined, fitUnknown: 'the window is closed; the agents publish its end once it opens' } },
  { name: 'fits the open window', nodes: [...measured, n('a', 'reboot-required')], locks: slots(1), windowClosesAt: NOW + 12 * MIN, want: { fitsWindow: true } },
  { name: 'does not fit the open window', nodes: [...measured, n('a', 'reboot-required'), n('b', 'reboot-required')], locks: slots(1), windowClosesAt: NOW + 12 * MIN, want: { fitsWindow: false } },
  { name: 'window end unknown: fit unknown and said why', nodes: [...measured, n('a', 'reboot-required')], locks: slots(1), want: { fitsWindow: undefined, fitUnknown: 'no agent publishes a window end (no reboot window is configured, or the agents are older)', basis: 'median of 3 recent reboots, 1 at a time (no agent publishes its limit: counted from the lock Leases)' } },
  // Slot Leases are made on first use: one Lease exists, but the agents run with --concurrency=2.
  { name: 'the published concurrency, not the Leases that exist', nodes: [...measured, n('a', 'reboot-required', { concurrency: 2 }), n('b', 'reboot-required', { concurrency: 2 })], locks: slots(1), want: { finishAt: new Date(NOW + 11 * MIN).toISOString(), basis: 'median of 3 recent reboots, 2 at a time' } },
  { name: 'agents that disagree (mid-upgrade): the most common limit, the smaller on a tie', nodes: [...measured, n('a', 'reboot-required', { concurrency: 3 }), n('b', 'reboot-required', { concurrency: 1 })], locks: slots(3), want: { finishAt: new Date(NOW + 22 * MIN).toISOString() } },

  // Held nodes (issue 17): what cannot move is reported apart, never forecast, classified from the
  // published kinds (the reason text above names a PDB on every node and is never read).
  { name: 'a blocked node that needs no reboot is not pending, nor held', nodes: [...measured, held('a', ['manual'], { required: false })], want: { pending: 0, held: undefined, basis: 'no node needs a reboot', finishAt: undefined } },
  { name: 'a scheduled node (its time not come) is not pending', nodes: [...measured, n('a', 'scheduled', { required: false })], want: { pending: 0 } },
  { name: 'all held: cannot finish, no finish time, grouped by PDB and by person', nodes: [...measured, held('a', ['pdb'], { pdbs: ['shop/api'] }), held('b', ['pdb'], { pdbs: ['shop/api', 'shop/web'] }), held('c', ['manual'])],
    want: { pending: 0, finishAt: undefined, fitsWindow: undefined, fitUnknown: 'no node can move', held: [{ by: 'pdb', pdb: 'shop/api', count: 2, nodes: ['a', 'b'] }, { by: 'manual', count: 1, nodes: ['c'] }], basis: 'cannot finish: 3 nodes held (2 by PDB shop/api, 1 by a person)' } },
  { name: 'held by the cluster-wide block', nodes: [...measured, held('a', ['cluster-manual']), held('b', ['cluster-manual'])], want: { pending: 0, held: [{ by: 'cluster-manual', count: 2, nodes: ['a', 'b'] }], basis: 'cannot finish: 2 nodes held (2 by the cluster-wide block)' } },
  { name: 'held by automatic blockers: alerts, pods, another blocker', nodes: [...measured, held('a', ['alerts']), held('b', ['pods', 'alerts']), held('c', ['other'])],
    want: { held: [{ by: 'alerts', count: 2, nodes: ['a', 'b'] }, { by: 'other', count: 1, nodes: ['c'] }], basis: 'cannot finish: 3 nodes held (2 by firing alerts, 1 by another blocker)' } },
  { name: 'held by blocking pods', nodes: [...measured, held('a', ['pods'])], want: { held: [{ by: 'pods', count: 1, nodes: ['a'] }] } },
  { name: 'a PDB without a published name', nodes: [...measured, held('a', ['pdb'])], want: { basis: 'cannot finish: 1 node held (1 by a PDB)' } },
  { name: 'a person and an alert on the same node: filed under the person (each node once)', nodes: [...measured, held('a', ['alerts', 'manual'])], want: { held: [{ by: 'manual', count: 1, nodes: ['a'] }] } },
  { name: 'some held, others proceed: the forecast covers the others and says how many are held', nodes: [...measured, held('x', ['pdb'], { pdbs: ['shop/api'] }), held('y', ['manual']), held('z', ['manual']), n('a', 'reboot-required'), n('b', 'waiting-lock')], locks: slots(1),
    want: { pending: 2, finishAt: new Date(NOW + 22 * MIN).toISOString(), held: [{ by: 'manual', count: 2, nodes: ['y', 'z'] }, { by: 'pdb', pdb: 'shop/api', count: 1, nodes: ['x'] }], basis: 'median of 3 recent reboots, 1 at a time (no agent publishes its limit: counted from the lock Leases); 3 nodes held (2 by a person, 1 by PDB shop/api), not forecast' } },
  { name: 'too little data with held nodes says both', nodes: [n('a', 'reboot-required', { history: [rec(MIN)] }), held('b', ['manual'])], want: { pending: 1, enoughData: false, basis: 'only 1 measured reboot; need 3 to forecast; 1 node held (1 by a person), not forecast' } },
  { name: 'waiting for the window is not held: forecast from the opening', nodes: [...measured, n('a', 'waiting-window', { nextWindow: '2026-11-24T22:00:00Z', blockedBy: ['window'] })], want: { pending: 1, held: undefined } },
  // Agents too old to publish blockedBy: the structured requests in the stream still name the hold.
  { name: 'older agent: the node block request names a person', nodes: [...measured, n('a', 'blocked', { block: { reason: 'db migration' } })], want: { held: [{ by: 'manual', count: 1, nodes: ['a'] }] } },
  { name: 'older agent: an expired node block does not', nodes: [...measured, n('a', 'blocked', { block: { reason: 'x', until: new Date(NOW - MIN).toISOString() } })], clusterBlock: { reason: 'freeze' }, want: { held: [{ by: 'cluster-manual', count: 1, nodes: ['a'] }] } },
  { name: 'older agent, nothing structured: held, cause unknown', nodes: [...measured, n('a', 'blocked')], want: { held: [{ by: 'unknown', count: 1, nodes: ['a'] }], basis: 'cannot finish: 1 node held (1 for a reason the agent does not publish (an older agent))' } },
  { name: 'the published kind wins over the requests', nodes: [...measured, held('a', ['pdb'], { block: { reason: 'x' } })], want: { held: [{ by: 'pdb', count: 1, nodes: ['a'] }] } },
  { name: 'a cluster-wide block over many nodes: counted in full, the first names only (the forecast is re-sent as its finish moves)', nodes: [...measured, ...Array.from({ length: 12 }, (_, i) => held(`n${i}`, ['cluster-manual']))],
    want: { held: [{ by: 'cluster-manual', count: 12, nodes: ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'] }], basis: 'cannot finish: 12 nodes held (12 by the cluster-wide block)' } },
  { name: 'the issue-17 demo: three held for good, no slot in use: no finish time at all', nodes: [...measured, held('a', ['pdb'], { pdbs: ['shop/api'] }), held('b', ['pdb'], { pdbs: ['shop/api'] }), held('c', ['manual'])], locks: slots(2), want: { pending: 0, finishAt: undefined } },
];

for (const c of cases) {
  test(`forecast: ${c.name}`, () => {
    const f = forecast({ nodes: c.nodes, locks: c.locks ?? slots(1), now: NOW, windowClosesAt: c.windowClosesAt, clusterBlock: c.clusterBlock });
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual((f as unknown as Record<string, unknown>)[k], v, `${k} in ${JSON.stringify(f)}`);
  });
}

const durations: { name: string; r: RebootRecord; want: number | undefined }[] = [
  { name: 'staged durations win', r: { ...rec(99 * MIN), drainMs: 1000, rebootMs: 2000, verifyMs: 500 }, want: 3500 },
  { name: 'else end - start', r: rec(5 * MIN), want: 5 * MIN },
  { name: 'unreadable times', r: { start: 'x', end: 'y', outcome: 'succeeded' }, want: undefined },
  { name: 'cancelled is no sample', r: rec(MIN, undefined, 'cancelled'), want: undefined },
];
for (const c of durations) test(`recordDuration: ${c.name}`, () => assert.equal(recordDuration(c.r), c.want));

test('median: odd and even', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 3);
});

test('earliestClose: the first window to shut among nodes still needing a reboot', async () => {
  const { earliestClose } = await import('./state.ts');
  const st = (rebootRequired: boolean, windowCloses?: string) =>
    ({ name: 'x', ready: true, unschedulable: false, cordonedByUs: false, requests: {}, requestErrors: [], history: [], state: { v: 1, phase: 'reboot-required', reason: '', since: '', rebootRequired, agent: 'a', windowCloses } }) as NodeView;
  assert.equal(earliestClose([]), undefined);
  assert.equal(earliestClose([st(true)]), undefined);
  assert.equal(earliestClose([st(false, '2026-11-24T06:00:00Z')]), undefined, 'healthy nodes do not constrain the rollout');
  assert.equal(earliestClose([st(true, '2026-11-24T06:00:00Z'), st(true, '2026-11-24T05:00:00Z'), st(true, 'garbage')]), Date.parse('2026-11-24T05:00:00Z'));
});

// The per-scope limit (--concurrency-scope, --concurrency-per-scope): "2 at a time" is not true
// when every pending node is in one zone that allows 1.
const makespans: { name: string; run?: { left: number; value?: string }[]; queued: (string | undefined)[]; limit: number; perScope?: number; want: number }[] = [
  { name: 'cluster limit only', queued: ['a', 'a', 'a', 'a'], limit: 2, want: 2 * MIN },
  { name: 'one zone allowing 1: one at a time whatever the cluster allows', queued: ['a', 'a', 'a', 'a'], limit: 2, perScope: 1, want: 4 * MIN },
  { name: 'two zones, 1 each, cluster 2: two at a time', queued: ['a', 'a', 'b', 'b'], limit: 2, perScope: 1, want: 2 * MIN },
  { name: 'the zone with most left goes first', queued: ['a', 'a', 'a', 'b'], limit: 1, perScope: 1, want: 4 * MIN },
  { name: 'three zones, cluster 2: the cluster is the bound', queued: ['a', 'b', 'c', 'a', 'b', 'c'], limit: 2, perScope: 1, want: 3 * MIN },
  { name: 'values unknown (another label): the cluster limit only', queued: [undefined, undefined], limit: 2, perScope: 1, want: MIN },
  { name: 'a reboot under way holds its zone until it ends', run: [{ left: 0.5 * MIN, value: 'a' }], queued: ['a', 'b'], limit: 2, perScope: 1, want: 1.5 * MIN },
  { name: 'nothing queued: what is left of the running', run: [{ left: 0.25 * MIN, value: 'a' }], queued: [], limit: 2, perScope: 1, want: 0.25 * MIN },
];
for (const c of makespans) test(`makespan: ${c.name}`, () => assert.equal(makespan(c.run ?? [], c.queued, MIN, c.limit, c.perScope), c.want));

test('forecast: the published per-zone limit bounds the forecast and is named in the basis', () => {
  const zoned = (name: string, zone: string) => {
    const v = n(name, 'reboot-required', { concurrency: 2 });
    v.state!.limits!.scope = { label: 'topology.kubernetes.io/zone', limit: 1 };
    v.zone = zone;
    return v;
  };
  const f = forecast({ nodes: [...measured, zoned('a', 'z1'), zoned('b', 'z1'), zoned('c', 'z1')], locks: slots(2), now: NOW });
  assert.equal(f.finishAt, new Date(NOW + 33 * MIN).toISOString(), 'one zone allowing 1: one at a time');
  assert.match(f.basis, /^median of 3 recent reboots, 2 at a time, 1 per zone$/);
});

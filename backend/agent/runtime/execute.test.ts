// Safety rules of the runtime's actions, with fake ports: the reboot is never issued unless its
// stage was stored in every held Lease (an API error or a lost slot stops it); a lost lock never
// cordons; blockers and the health gate fail closed when they throw.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../config/config.ts';
import type { Decision } from '../core/types.ts';
import { LockLostError, type DrainPort, type HeldLock, type LockPort, type NodeFacts, type NodePort } from '../ports.ts';
import type { AgentNodeState } from '../../../protocol/model.ts';
import { AgentRuntime } from './agent.ts';
import { execute, NOW as AT_ONCE } from './execute.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const HELD: HeldLock = { leases: ['nodemend-lock-0', 'nodemend-lock-a-0'], acquiredAt: NOW - 60_000, stage: 'drained', stageAt: NOW - 1000, bootIdBefore: 'b1', wasUnschedulable: false, forced: false };
const FACTS: NodeFacts = { name: 'n1', ready: true, unschedulable: true, cordonedByUs: true, bootId: 'b1', labels: {}, annotations: {}, resourceVersion: '1' };

/** The Events the API server keeps, shared by the processes of one agent (a restart). */
interface ApiEvents {
  events: string[];
  names: Set<string>;
}

interface World {
  rt: AgentRuntime;
  calls: string[];
  events: string[];
  /** uncordon, publish <phase> and release, in order. */
  order: string[];
  published: AgentNodeState[];
}

function world(o: { args?: string[]; cordoned?: 'ours' | 'person' | false; update?: (l: HeldLock) => Promise<void>; blockerThrows?: boolean; gateThrows?: boolean; tryAcquire?: LockPort['tryAcquire']; publishFails?: boolean; drain?: DrainPort['drain']; slowSideChannels?: boolean; turn?: LockPort['turn']; drainedEvent?: Promise<void>; sleep?: (ms: number) => Promise<void>; apiServer?: ApiEvents } = {}): World {
  const calls: string[] = [];
  const events: string[] = o.apiServer?.events ?? [];
  const order: string[] = [];
  const published: AgentNodeState[] = [];
  const parsed = parseConfig(['--node-id=n1', '--health-gate=true', ...(o.args ?? [])], {});
  assert.ok(parsed.ok);
  const lock: LockPort = {
    held: async () => HELD,
    tryAcquire: o.tryAcquire ?? (async () => ({ ok: false, reason: 'full' })),
    update: o.update ?? (async () => void calls.push('update')),
    release: async (l) => {
      calls.push(`release ${l.leases.join(',')}`);
      order.push('release');
    },
    setWaiting: async () => {},
    ...(o.turn ? { turn: o.turn } : {}),
  };
  // The Node as the API server has it: who cordoned it, if anyone.
  let cordoned = o.cordoned ?? 'ours';
  const node: Partial<NodePort> = {
    facts: () => FACTS,
    clusterAnnotations: () => ({}),
    cordon: async () => {
      calls.push('cordon');
      if (cordoned) return false;
      cordoned = 'ours';
      return true;
    },
    uncordon: async () => {
      calls.push('uncordon');
      order.push('uncordon');
      if (cordoned !== 'ours') return false;
      cordoned = false;
      return true;
    },
    appendHistory: async () => {},
    clearRequests: async () => {},
    publishState: async (st) => {
      if (o.publishFails) throw new Error('connection refused');
      order.push(`publish ${st.phase}`);
      published.push(st);
    },
    event: (type, reason, message, key) => {
      // As the API server: a keyed Event's name is taken once.
      if (key !== undefined && o.apiServer) {
        if (o.apiServer.names.has(key)) return Promise.resolve();
        o.apiServer.names.add(key);
      }
      events.push(`${type} ${reason}: ${message}`);
      if (reason === 'Drained' && o.drainedEvent) return o.drainedEvent;
      return o.slowSideChannels ? new Promise<void>(() => {}) : Promise.resolve();
    },
    setLabels: async () => {},
  };
  const rt = new AgentRuntime({
    config: parsed.config,
    node: node as NodePort,
    lock,
    drain: { precheck: async () => [], drain: o.drain ?? (async () => ({ ok: true })) },
    host: { checkSentinel: async () => ({ required: true }), watchSentinel: () => ({ dispose() {} }), reboot: async () => void calls.push('REBOOT') },
    blockers: [{ name: 'prometheus-alerts', check: async () => (o.blockerThrows ? Promise.reject(new Error('socket hang up')) : { blocked: false }) }],
    healthGate: { check: async () => (o.gateThrows ? Promise.reject(new Error('etcd timeout')) : { healthy: true }) },
    notifier: { notify: () => (o.slowSideChannels ? new Promise<void>(() => {}) : Promise.resolve()) },
    clock: { now: () => NOW, sleep: o.sleep ?? (async () => {}) },
    random: () => 0.5,
    log: { info() {}, warn() {}, error() {} },
    agent: 'test',
  });
  rt.facts.node = FACTS;
  rt.facts.lock = { read: true, held: HELD };
  return { rt, calls, events, order, published };
}

const dec = (action: Decision['action']): Decision => ({ action, phase: 'rebooting', reason: 'test', rebootRequired: true, forced: false, waiting: false, warnings: [], blockedBy: [] });
const signal = new AbortController().signal;

test('reboot: stage stored in the Lease first, then the reboot', async () => {
  const w = world();
  await execute(w.rt, dec({ kind: 'reboot' }), signal);
  assert.deepEqual(w.calls, ['update', 'REBOOT']);
  assert.equal(w.rt.held()?.stage, 'rebooting');
});

test('reboot: an Event still on its way (Drained, sent without waiting) leaves before the host goes down', async () => {
  let answer!: () => void;
  const w = world({ drainedEvent: new Promise<void>((r) => (answer = r)), sleep: () => new Promise<void>(() => {}) });
  void w.rt.announcer.event('Normal', 'Drained', 'drained in 3s');
  const rebooting = execute(w.rt, dec({ kind: 'reboot' }), signal);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(!w.calls.includes('REBOOT'), 'the reboot waits for the Event');
  answer();
  await rebooting;
  assert.deepEqual(w.calls, ['update', 'REBOOT']);
});

test('reboot: an Events API that never answers delays the reboot by the bound only', async () => {
  const slept: number[] = [];
  const w = world({ drainedEvent: new Promise<void>(() => {}), sleep: async (ms) => void slept.push(ms) });
  void w.rt.announcer.event('Normal', 'Drained', 'drained in 3s');
  await execute(w.rt, dec({ kind: 'reboot' }), signal);
  assert.deepEqual(w.calls, ['update', 'REBOOT']);
  assert.deepEqual(slept, [10_000]);
});

test('reboot: the stage write fails (API down) -> no reboot, the error reaches the loop', async () => {
  const w = world({ update: async () => Promise.reject(new Error('connection refused')) });
  await assert.rejects(execute(w.rt, dec({ kind: 'reboot' }), signal), /connection refused/);
  assert.ok(!w.calls.includes('REBOOT'));
});

test('reboot: a slot found taken over on the stage write -> no reboot, the lock is marked lost', async () => {
  const w = world({ update: async () => Promise.reject(new LockLostError({ lease: 'nodemend-lock-0', holder: 'n9', at: NOW })) });
  assert.deepEqual(await execute(w.rt, dec({ kind: 'reboot' }), signal), AT_ONCE);
  assert.ok(!w.calls.includes('REBOOT'));
  assert.deepEqual(w.rt.held()?.leases, ['nodemend-lock-a-0'], 'the lost slot is no longer ours');
  assert.match(w.rt.held()?.lost?.reason ?? '', /nodemend-lock-0 was taken over by n9/);
  assert.match(w.events.join('\n'), /Warning LockLost: lock lost: Lease nodemend-lock-0 was taken over by n9; the reboot is cancelled/);
});

test('reboot and cordon: a lock already known lost writes nothing and never reboots or cordons', async () => {
  for (const kind of ['reboot', 'cordon'] as const) {
    const w = world();
    w.rt.lockLost({ lease: 'nodemend-lock-0', holder: 'n9', at: NOW });
    await execute(w.rt, dec({ kind }), signal);
    assert.deepEqual(w.calls, [], `${kind}: nothing done`);
  }
});

test('finish after a lost slot releases only the slots still held', async () => {
  const w = world();
  w.rt.lockLost({ lease: 'nodemend-lock-0', holder: 'n9', at: NOW });
  await execute(w.rt, dec({ kind: 'finish', outcome: 'failed', reason: 'lock lost', clear: [], postLabels: true }), signal);
  assert.deepEqual(w.calls, ['uncordon', 'release nodemend-lock-a-0']);
});

test('a blocker that throws blocks (fail closed), with the reason', async () => {
  const w = world({ blockerThrows: true });
  await execute(w.rt, dec({ kind: 'check-blockers' }), signal);
  assert.deepEqual(w.rt.facts.blockers?.value, [{ name: 'prometheus-alerts', reason: 'cannot evaluate: socket hang up' }]);
});

test('a health gate that throws is not healthy (fail closed), with the reason', async () => {
  const w = world({ gateThrows: true });
  await execute(w.rt, dec({ kind: 'check-health' }), signal);
  assert.deepEqual(w.rt.facts.health?.value, { healthy: false, reason: 'cannot evaluate the health gate: etcd timeout' });
});

test('a stale slot taken over is a Warning Event LockRecovered naming the old holder and why (finding 4)', async () => {
  const w = world({ tryAcquire: async () => ({ ok: true, lock: { ...HELD, stage: 'acquired' }, recovered: [{ lease: 'nodemend-lock-a-0', holder: 'n7', why: 'holder n7 NotReady 700s, longer than the maximum reboot duration 600s' }] }) });
  w.rt.facts.lock = { read: true };
  await execute(w.rt, dec({ kind: 'acquire', forced: false }), signal);
  assert.match(w.events.join('\n'), /Warning LockRecovered: took over lock slot nodemend-lock-a-0 from n7: holder n7 NotReady 700s, longer than the maximum reboot duration 600s/);
});

test('finish: uncordon, then the outcome is published, then the slots are released (finding 5)', async () => {
  for (const [outcome, phase] of [['succeeded', 'healthy'], ['failed', 'failed'], ['cancelled', 'reboot-required']] as const) {
    const w = world();
    await execute(w.rt, { ...dec({ kind: 'finish', outcome, reason: 'done', clear: [], postLabels: true }), phase: 'verifying' }, signal);
    assert.deepEqual(w.order, ['uncordon', `publish ${phase}`, 'release'], outcome);
  }
});

test('the published state carries the lock limits the agent runs with (the hub reads them, never guesses)', async () => {
  const w = world({ args: ['--concurrency=3', '--concurrency-scope=topology.kubernetes.io/zone', '--concurrency-per-scope=2'] });
  await execute(w.rt, { ...dec({ kind: 'finish', outcome: 'succeeded', reason: 'done', clear: [], postLabels: true }), phase: 'verifying' }, signal);
  assert.deepEqual(w.published.at(-1)?.limits, { concurrency: 3, scope: { label: 'topology.kubernetes.io/zone', limit: 2 } });
  const plain = world();
  await execute(plain.rt, { ...dec({ kind: 'finish', outcome: 'succeeded', reason: 'done', clear: [], postLabels: true }), phase: 'verifying' }, signal);
  assert.deepEqual(plain.published.at(-1)?.limits, { concurrency: 1 });
});

test('the published state says what blocks, as kinds and budget names (the hub classifies holds by them, never by the reason)', async () => {
  const w = world();
  const blocked = { ...dec({ kind: 'wait' }), phase: 'blocked' as const, reason: 'drain would be refused', blockedBy: ['pdb' as const], pdbs: ['a/1', 'a/2', 'a/3', 'a/4', 'a/5', 'a/6'] };
  await w.rt.announcer.announce(blocked, FACTS, undefined, NOW);
  assert.deepEqual([w.published.at(-1)?.blockedBy, w.published.at(-1)?.pdbs], [['pdb'], ['a/1', 'a/2', 'a/3', 'a/4', 'a/5']]);
  await w.rt.announcer.announce({ ...dec({ kind: 'wait' }), phase: 'healthy', rebootRequired: false }, FACTS, undefined, NOW);
  assert.deepEqual([w.published.at(-1)?.phase, w.published.at(-1)?.blockedBy, w.published.at(-1)?.pdbs], ['healthy', undefined, undefined]);
});

test('finish: a failed publish of the outcome never holds the release back (finding 5)', async () => {
  const w = world({ publishFails: true });
  await execute(w.rt, dec({ kind: 'finish', outcome: 'failed', reason: 'drain failed', clear: [], postLabels: true }), signal);
  assert.deepEqual(w.order, ['uncordon', 'release']);
  assert.equal(w.rt.held(), undefined);
});

// CI found it: a stop (SIGTERM, or the test's kill) that lands while the drain step is announcing
// "draining" used to start the drain with an AbortController that nothing would ever abort, so the
// agent never stopped and kept evicting.
test('drain: an agent stopped before the drain starts never starts it', async () => {
  const started: boolean[] = [];
  const w = world({ drain: async (_o, _p, s) => (started.push(s.aborted), { ok: true }) });
  const ac = new AbortController();
  ac.abort();
  assert.deepEqual(await execute(w.rt, dec({ kind: 'drain' }), ac.signal), AT_ONCE);
  assert.deepEqual(started, [], 'no drain after the stop');
  assert.equal(w.rt.drainAbort, undefined);
});

test('drain: a stop during the drain aborts it, and it is not marked drained', async () => {
  const ac = new AbortController();
  const w = world({
    drain: (_o, _p, s) =>
      new Promise((resolve) => {
        s.addEventListener('abort', () => resolve({ ok: false, reason: 'drain cancelled', blocked: [] }), { once: true });
        ac.abort();
      }),
  });
  w.rt.facts.lock = { read: true, held: { ...HELD, stage: 'cordoned' } };
  assert.deepEqual(await execute(w.rt, dec({ kind: 'drain' }), ac.signal), AT_ONCE);
  assert.equal(w.rt.held()?.stage, 'cordoned', 'the stage stays: the next process resumes the drain');
  assert.ok(!w.calls.includes('update'));
});

test('a webhook or Events API that never answers does not hold up the cordon, the drain or the handoff', { timeout: 10_000 }, async () => {
  const w = world({ slowSideChannels: true, cordoned: false });
  w.rt.facts.lock = { read: true, held: { ...HELD, stage: 'acquired' } };
  await execute(w.rt, dec({ kind: 'cordon' }), signal);
  assert.ok(w.calls.includes('cordon'));
  assert.match(w.events.join('\n'), /Normal Cordoned/, 'the Event was still sent');
  w.rt.facts.lock = { read: true, held: { ...HELD, stage: 'cordoned' } };
  await execute(w.rt, dec({ kind: 'drain' }), signal);
  assert.equal(w.rt.held()?.stage, 'drained');
});

const turnCases: { name: string; turn?: () => number | undefined; before?: number; want: number | undefined | 'untouched' }[] = [
  { name: 'no slot looks free (a renewal, a stage update): nobody wakes', turn: () => undefined, want: 'untouched' },
  { name: 'first in the queue: try now', turn: () => 0, want: NOW },
  { name: 'behind others: try after them', turn: () => 500, want: NOW + 500 },
  { name: 'an earlier turn already set is kept', turn: () => 500, before: NOW + 100, want: NOW + 100 },
  { name: 'a later turn set before is brought forward', turn: () => 0, before: NOW + 750, want: NOW },
  { name: 'a lock port without turns: try now', want: NOW },
];
for (const c of turnCases) {
  test(`lock change while waiting: ${c.name}`, () => {
    const w = world(c.turn ? { turn: c.turn } : {});
    w.rt.facts.lock = { read: true };
    const before = { at: NOW - 1000, value: { reason: 'all 1 cluster slot(s) taken', ...(c.before === undefined ? {} : { retryAt: c.before }) } };
    w.rt.facts.acquireFailure = before;
    w.rt.lockChanged();
    if (c.want === 'untouched') assert.equal(w.rt.facts.acquireFailure, before);
    else assert.deepEqual(w.rt.facts.acquireFailure, { at: NOW - 1000, value: { reason: 'all 1 cluster slot(s) taken', retryAt: c.want } });
  });
}

test('lock change while not waiting for a slot: nothing to retry', () => {
  let asked = 0;
  const w = world({ turn: () => (asked++, 0) });
  w.rt.lockChanged();
  assert.equal(w.rt.facts.acquireFailure, undefined);
  assert.equal(asked, 0, 'the cache is not even consulted');
});

// One Event per transition.
const count = (events: string[], reason: string) => events.filter((e) => e.includes(` ${reason}: `)).length;
const finishDec = (outcome: 'succeeded' | 'failed') => dec({ kind: 'finish', outcome, reason: `reboot ${outcome}`, clear: [], postLabels: true, record: { start: new Date(HELD.acquiredAt).toISOString(), end: new Date(NOW).toISOString(), outcome, bootIdBefore: 'b1' } });

test('events: Uncordoned once per reboot, though the cache still shows the cordon after the finish', async () => {
  const w = world({ cordoned: 'ours' });
  await execute(w.rt, finishDec('succeeded'), signal);
  // The informer has not delivered the uncordon yet: the idle decision asks to uncordon again.
  await execute(w.rt, dec({ kind: 'uncordon' }), signal);
  assert.equal(count(w.events, 'Uncordoned'), 1, w.events.join('\n'));
  // The cache caught up in time: the finish's own uncordon is the one Event.
  const quick = world({ cordoned: 'ours' });
  await execute(quick.rt, finishDec('succeeded'), signal);
  assert.equal(count(quick.events, 'Uncordoned'), 1, quick.events.join('\n'));
});

test('events: RebootFailed once per failure, not again when the phase is published with its retry time', async () => {
  const w = world();
  await execute(w.rt, finishDec('failed'), signal);
  await w.rt.announcer.publish({ phase: 'failed', reason: 'reboot failed; retrying at 2026-06-17T12:01:00Z', rebootRequired: true, forced: false }, FACTS, undefined, NOW + 1000);
  assert.equal(count(w.events, 'RebootFailed'), 1, w.events.join('\n'));
});

test('events: no Cordoned Event for a node a person had cordoned', async () => {
  const w = world({ cordoned: 'person' });
  w.rt.facts.lock = { read: true, held: { ...HELD, stage: 'acquired' } };
  await execute(w.rt, dec({ kind: 'cordon' }), signal);
  assert.ok(w.calls.includes('cordon'));
  assert.equal(count(w.events, 'Cordoned'), 0, w.events.join('\n'));
  const mine = world({ cordoned: false });
  mine.rt.facts.lock = { read: true, held: { ...HELD, stage: 'acquired' } };
  await execute(mine.rt, dec({ kind: 'cordon' }), signal);
  assert.equal(count(mine.events, 'Cordoned'), 1, 'our own cordon is recorded');
});

test('events: a PodDisruptionBudget that makes the drain impossible is a Warning; a window or manual block is Normal', async () => {
  const w = world();
  const blocked = (reason: string, blockedBy: Decision['blockedBy']) => w.rt.announcer.publish({ phase: 'blocked', reason, rebootRequired: true, forced: false, blockedBy }, FACTS, undefined, NOW);
  await blocked('drain would be refused, so no lock is taken: PodDisruptionBudget default/db allows 0 disruptions', ['pdb']);
  await blocked('blocked by nodemend.dev/block: quarter close', ['manual']);
  assert.deepEqual(w.events.filter((e) => / RebootBlocked: /.test(e)).map((e) => e.split(':')[0]), ['Warning RebootBlocked', 'Normal RebootBlocked']);
});

test('Kured cutover: gathered facts are kept; an uncordon refused by a changed Node (409) records nothing and gathers again', async () => {
  const w = world();
  const adopted: string[] = [];
  let answer = false;
  w.rt.deps.kured = {
    observe: () => ({ kind: 'read', where: 'DaemonSet kube-system/kured', holders: [{ node: 'n1', wasUnschedulable: false, created: NOW - 60_000, ttlMs: 0 }] }),
    onChange: () => ({ dispose() {} }),
    gather: async () => ({ unschedulable: true, cordonManagers: ['kured'], kuredPods: [], resourceVersion: '9' }),
    adopt: async (rv) => {
      adopted.push(rv);
      return answer;
    },
  };
  w.rt.facts.kured = w.rt.deps.kured.observe();
  await execute(w.rt, dec({ kind: 'check-kured-cordon' }), signal);
  assert.deepEqual(w.rt.facts.kuredCordon, { at: NOW, value: { unschedulable: true, cordonManagers: ['kured'], kuredPods: [], resourceVersion: '9' } });
  await execute(w.rt, { ...dec({ kind: 'adopt-kured-cordon', resourceVersion: '9' }), reason: 'uncordoning: Kured cordoned this node' }, signal);
  assert.equal(w.rt.facts.kuredCordon, undefined, 'gathered again before another try');
  assert.deepEqual(w.events.filter((e) => e.includes('Uncordoned')), [], 'no Event for an uncordon that did not happen');
  answer = true;
  await execute(w.rt, { ...dec({ kind: 'adopt-kured-cordon', resourceVersion: '10' }), reason: 'uncordoning: Kured cordoned this node' }, signal);
  assert.deepEqual(adopted, ['9', '10']);
  assert.deepEqual(w.events.filter((e) => e.includes('Uncordoned')), ['Normal Uncordoned: uncordoned by nodemend: Kured cordoned this node']);
});

test('events: a finish repeated after a restart records the attempt\'s outcome once (RebootSucceeded, LockReleased)', async () => {
  const api: ApiEvents = { events: [], names: new Set() };
  const first = world({ apiServer: api });
  await execute(first.rt, finishDec('succeeded'), signal);
  // A new process of the agent finishes the same attempt again (same lock, same boot IDs).
  const restarted = world({ apiServer: api, cordoned: false });
  await execute(restarted.rt, finishDec('succeeded'), signal);
  assert.equal(count(api.events, 'RebootSucceeded'), 1, api.events.join('\n'));
  assert.equal(count(api.events, 'LockReleased'), 1, api.events.join('\n'));
  assert.equal(count(api.events, 'Uncordoned'), 1, api.events.join('\n'));
  // Another attempt (a later lock) is news again.
  const later = world({ apiServer: api });
  await execute(later.rt, dec({ ...finishDec('succeeded').action, record: { start: new Date(NOW).toISOString(), end: new Date(NOW).toISOString(), outcome: 'succeeded', bootIdBefore: 'b1' } } as Decision['action']), signal);
  assert.equal(count(api.events, 'RebootSucceeded'), 2, api.events.join('\n'));
});

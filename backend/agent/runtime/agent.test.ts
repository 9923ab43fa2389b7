// The runtime loop with fake ports: the drain runs as a task while the loop keeps observing, and
// a decision other than "drain" (a person blocks, the sentinel is gone, the lock is lost) aborts
// it at once; a change that leaves the drain wanted lets it run on. decide() has one caller, the
// loop, so these go through the same path as every other decision.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A } from '../../../protocol/annotations.ts';
import { parseConfig } from '../config/config.ts';
import type { DrainResult, HeldLock, LockLost, LockPort, NodeFacts, NodePort } from '../ports.ts';
import { AgentRuntime } from './agent.ts';
import { systemClock } from './wake.ts';

const NOW = Date.now();
const HELD: HeldLock = { leases: ['nodemend-lock-0'], acquiredAt: NOW - 60_000, stage: 'cordoned', stageAt: NOW - 1000, bootIdBefore: 'b1', wasUnschedulable: false, forced: false };

interface Loop {
  rt: AgentRuntime;
  events: string[];
  calls: string[];
  /** Resolves when the drain has started. */
  draining: Promise<void>;
  /** Resolves with the drain's result once it ends (aborted or not). */
  drained: Promise<DrainResult>;
  setNode(change: Partial<NodeFacts>): void;
  setCluster(a: Record<string, string>): void;
  removeSentinel(): void;
  loseLease(l: LockLost): void;
  finishDrain(): void;
  stop(): Promise<void>;
}

function loop(): Loop {
  const events: string[] = [];
  const calls: string[] = [];
  let node: NodeFacts = { name: 'n1', ready: true, unschedulable: true, cordonedByUs: true, bootId: 'b1', labels: {}, annotations: {}, resourceVersion: '1' };
  let cluster: Record<string, string> = {};
  let required = true;
  const cbs: { node?: () => void; sentinel?: () => void; lost?: (l: LockLost) => void } = {};
  let started!: () => void;
  const draining = new Promise<void>((r) => (started = r));
  let ended!: (r: DrainResult) => void;
  const drained = new Promise<DrainResult>((r) => (ended = r));
  let finish!: () => void;
  const parsed = parseConfig(['--node-id=n1'], {});
  assert.ok(parsed.ok);
  const lock: LockPort = {
    held: async () => HELD,
    tryAcquire: async () => ({ ok: false, reason: 'full' }),
    update: async (l) => void calls.push(`update ${l.stage}`),
    release: async () => void calls.push('release'),
    setWaiting: async () => {},
    onLost: (cb) => ((cbs.lost = cb), { dispose() {} }),
  };
  const port: Partial<NodePort> = {
    facts: () => node,
    clusterAnnotations: () => cluster,
    onChange: (cb) => ((cbs.node = cb), { dispose() {} }),
    uncordon: async () => (calls.push('uncordon'), true),
    setLabels: async () => {},
    appendHistory: async () => {},
    clearRequests: async () => {},
    publishState: async () => {},
    event: async (type, reason, message) => void events.push(`${type} ${reason}: ${message}`),
  };
  const rt = new AgentRuntime({
    config: parsed.config,
    node: port as NodePort,
    lock,
    drain: {
      precheck: async () => [],
      drain: (_o, _p, signal) => {
        calls.push('drain');
        started();
        return new Promise<DrainResult>((resolve) => {
          const done = (r: DrainResult) => {
            ended(r);
            resolve(r);
          };
          signal.addEventListener('abort', () => done({ ok: false, reason: 'drain cancelled', blocked: [] }), { once: true });
          finish = () => done({ ok: true });
        });
      },
    },
    host: { checkSentinel: async () => ({ required }), watchSentinel: (cb) => ((cbs.sentinel = cb), { dispose() {} }), reboot: async () => void calls.push('REBOOT') },
    blockers: [],
    notifier: { notify: async () => {} },
    clock: systemClock,
    random: () => 0.5,
    log: { info() {}, warn() {}, error() {} },
    agent: 'test',
  });
  const ac = new AbortController();
  const running = rt.run(ac.signal);
  return {
    rt,
    events,
    calls,
    draining,
    drained,
    setNode: (change) => {
      node = { ...node, ...change };
      cbs.node?.();
    },
    setCluster: (a) => {
      cluster = a;
      cbs.node?.();
    },
    removeSentinel: () => {
      required = false;
      cbs.sentinel?.();
    },
    loseLease: (l) => cbs.lost?.(l),
    finishDrain: () => finish(),
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
};

/** A hang fails the test instead of holding it: the loop would keep the process alive. */
const within = <T>(p: Promise<T>, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_r, reject) => setTimeout(() => reject(new Error(`${what}: not within 3 s`)), 3000).unref())]);

const cancels: { name: string; act: (l: Loop) => void; outcome: RegExp }[] = [
  { name: 'a person blocks the node', act: (l) => l.setNode({ annotations: { [A.block]: 'quarter close' } }), outcome: /Normal RebootCancelled: reboot cancelled before it started: a person blocked reboots of this node: quarter close/ },
  { name: 'a person blocks the cluster', act: (l) => l.setCluster({ [A.block]: 'freeze' }), outcome: /Normal RebootCancelled: .*blocked reboots cluster-wide/ },
  { name: 'the sentinel disappears', act: (l) => l.removeSentinel(), outcome: /Normal RebootCancelled: .*nothing asks for it any more/ },
  { name: 'the lock is lost', act: (l) => l.loseLease({ lease: 'nodemend-lock-0', holder: 'n9', at: Date.now() }), outcome: /Warning RebootFailed: lock lost: Lease nodemend-lock-0 was taken over by n9/ },
];

for (const c of cancels) {
  test(`while draining, ${c.name}: the drain is aborted at once and the attempt ends`, { timeout: 10_000 }, async () => {
    const l = loop();
    try {
      await l.draining;
      c.act(l);
      const r = await within(l.drained, 'drain aborted');
      assert.equal(r.ok, false, 'aborted');
      await until('the lock released', () => l.calls.includes('release'));
      assert.match(l.events.join('\n'), c.outcome);
      assert.ok(!l.calls.includes('update drained') && !l.calls.includes('REBOOT'), l.calls.join(', '));
    } finally {
      await l.stop();
    }
  });
}

test('while draining, a change that leaves the drain wanted lets it run on; it then ends drained', { timeout: 10_000 }, async () => {
  const l = loop();
  try {
    await l.draining;
    l.setNode({ labels: { zone: 'a' } });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(l.rt.drainAbort?.signal.aborted, false, 'still draining');
    l.finishDrain();
    assert.equal((await l.drained).ok, true);
    await until('the stage stored', () => l.calls.includes('update drained'));
    assert.deepEqual(l.calls.filter((c) => c === 'drain'), ['drain'], 'one drain');
  } finally {
    await l.stop();
  }
});

test('stopping the agent mid-drain aborts the drain and waits for it, keeping the stage', { timeout: 10_000 }, async () => {
  const l = loop();
  await l.draining;
  await l.stop();
  assert.equal((await l.drained).ok, false);
  assert.equal(l.rt.drainAbort, undefined, 'nothing runs after run() returned');
  assert.ok(!l.calls.includes('release') && !l.calls.includes('update drained'), l.calls.join(', '));
});

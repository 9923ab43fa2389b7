// One rollout: every node needs a reboot at once; the system reboots them all. The bench plays
// the hosts: when an agent's reboot command fires it kills the agent like a power cycle, keeps
// the node NotReady for the reboot duration, gives it a new bootID, removes the sentinel and
// starts a fresh agent. Identical for nodemend and Kured.

import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import type { TestCluster } from '../tools/harness/index.ts';
import { Observer } from './observe.ts';
import { cpuPercent, powerOff, sample, type ProcSample } from './procs.ts';
import type { TimelineEvent } from './stats.ts';
import type { AgentProc, RolloutSettings, SystemUnderTest } from './sut.ts';

export type Sut = SystemUnderTest & { requestedLock(n: V1Node): boolean };

export interface RolloutOptions {
  c: TestCluster;
  sut: Sut;
  nodes: string[];
  settings: RolloutSettings;
  rebootMs: number;
  dir: string;
  timeoutMs: number;
  log: (msg: string) => void;
  /** Called once the agents are warm, before any sentinel appears (idle measurements). */
  onIdle?: (procs: ReadonlyMap<string, AgentProc>) => Promise<void>;
}

export interface DrainFootprint { node: string; rssKbMax: number; cpuPercent: number; variant?: string }

export interface RolloutResult {
  system: string;
  settings: RolloutSettings;
  nodes: number;
  completed: boolean;
  /** Sentinels appear at t0; the rollout ends with the last release or uncordon. */
  t0: number;
  wallMs: number;
  events: TimelineEvent[];
  drains: DrainFootprint[];
  /** Why the rollout stopped early (an agent crashed), if it did. */
  error?: string;
  /** From starting the agents to the sentinels (ready wait, warm-up, idle measurements). */
  warmupMs?: number;
  /** From starting the agents until every one said it was ready, when the system can say. */
  readyMs?: number;
}

/** Waits until `sut.ready` holds for every agent (polled every 500 ms); ms taken, or null when
 *  the system has no readiness check. Gives up (and says so by throwing) after `timeoutMs`. */
export async function waitAllReady(sut: SystemUnderTest, procs: ReadonlyMap<string, AgentProc>, timeoutMs: number, stop: () => boolean): Promise<number | null> {
  if (!sut.ready) return null;
  const t = Date.now();
  const pending = new Set(procs.values());
  while (pending.size > 0) {
    if (stop()) return Date.now() - t;
    if (Date.now() - t > timeoutMs) throw new Error(`${sut.name}: ${pending.size} agents not ready after ${timeoutMs / 1000} s (e.g. ${[...pending][0].node}, see ${[...pending][0].logPath})`);
    await Promise.all([...pending].map(async (p) => { if (await sut.ready!(p)) pending.delete(p); }));
    if (pending.size > 0) await sleep(500);
  }
  return Date.now() - t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Puts every node back to Ready and schedulable, and clears the system's lock. */
export async function resetNodes(c: TestCluster, nodes: string[]): Promise<void> {
  for (const n of nodes) {
    await c.setNodeReady(n, true);
    // Also clears what Kured leaves on a node (its in-progress annotation) between runs.
    await c.core.patchNode(
      { name: n, body: { spec: { unschedulable: false }, metadata: { annotations: { 'weave.works/kured-reboot-in-progress': null, 'weave.works/kured-most-recent-reboot-needed': null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }
  await c.waitNodesReady(nodes, 120_000);
}

export async function rollout(o: RolloutOptions): Promise<RolloutResult> {
  const { c, sut, nodes, settings } = o;
  const runDir = join(o.dir, `${sut.name}-c${settings.concurrency}-p${settings.periodSeconds}-${Date.now()}`);
  mkdirSync(join(runDir, 'sentinel'), { recursive: true });
  mkdirSync(join(runDir, 'marker'), { recursive: true });
  const sentinel = (n: string) => join(runDir, 'sentinel', n);
  const marker = (n: string) => join(runDir, 'marker', n);
  await sut.resetLock();
  await resetNodes(c, nodes);

  const obs = new Observer(c, sut.lock, (n) => sut.requestedLock(n));
  await obs.start();
  const procs = new Map<string, AgentProc>();
  // An agent that exits without being power-cycled by us has crashed: stop at once instead of
  // waiting for the timeout, and name its log.
  const killed = new Set<number>();
  const crashed: string[] = [];
  const startAgent = async (n: string) => {
    const p = await sut.start(n, { sentinel: sentinel(n), rebootMarker: marker(n), settings });
    procs.set(n, p);
    void p.exited.then(() => {
      if (!killed.has(p.pid)) crashed.push(`${sut.name} agent for ${n} exited by itself; see ${p.logPath}`);
    });
  };
  const kill = async (p: AgentProc) => {
    killed.add(p.pid);
    await powerOff(p);
  };
  const started = Date.now();
  await Promise.all(nodes.map(startAgent));
  // Let every agent finish starting and pass its first poll, so the sentinel meets a running
  // agent as in production, where agents run for weeks before a reboot is needed.
  const readyMs = await waitAllReady(sut, procs, 180_000, () => crashed.length > 0);
  if (readyMs !== null) o.log(`  ${sut.name}: every agent ready ${(readyMs / 1000).toFixed(1)} s after start`);
  await sleep(sut.warmupMs(settings));
  const warmupMs = Date.now() - started;
  if (crashed.length === 0 && o.onIdle) await o.onIdle(procs);

  const t0 = Date.now();
  for (const n of nodes) {
    writeFileSync(sentinel(n), '');
    obs.add(n, 'sentinel');
  }
  const state = new Map<string, 'up' | 'rebooting' | 'back'>(nodes.map((n) => [n, 'up']));
  const drainSamples = new Map<string, ProcSample[]>();
  const drains: DrainFootprint[] = [];
  const cycles: Promise<void>[] = [];

  const cycle = async (n: string, markedAt: number): Promise<void> => {
    await kill(procs.get(n)!);
    await c.setNodeReady(n, false);
    await sleep(Math.max(0, markedAt + o.rebootMs - Date.now()));
    await c.setBootId(n, `boot-${n}-${Date.now()}`);
    rmSync(sentinel(n), { force: true });
    rmSync(marker(n), { force: true });
    await c.setNodeReady(n, true);
    obs.add(n, 'ready');
    await startAgent(n);
    state.set(n, 'back');
  };

  const deadline = t0 + o.timeoutMs;
  let completed = false;
  let lastLog = 0;
  while (Date.now() < deadline && crashed.length === 0) {
    for (const n of nodes) {
      if (state.get(n) !== 'up') continue;
      if (existsSync(marker(n))) {
        const markedAt = statSync(marker(n)).mtimeMs;
        obs.add(n, 'reboot', markedAt);
        state.set(n, 'rebooting');
        const ss = drainSamples.get(n) ?? [];
        const v = procs.get(n)?.variant;
        if (ss.length >= 2) drains.push({ node: n, rssKbMax: Math.max(...ss.map((s) => s.rssKb)), cpuPercent: cpuPercent(ss[0], ss[ss.length - 1]), ...(v !== undefined ? { variant: v } : {}) });
        cycles.push(cycle(n, markedAt));
      } else if (obs.isCordoned(n)) {
        // Footprint while this node's agent drains it.
        try {
          const list = drainSamples.get(n) ?? [];
          list.push(sample(procs.get(n)!.pid));
          drainSamples.set(n, list);
        } catch { /* process just exited */ }
      }
    }
    const done = [...state.values()].every((s) => s === 'back') && obs.holders().size === 0 && nodes.every((n) => !obs.isCordoned(n));
    if (done) {
      completed = true;
      break;
    }
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      const back = [...state.values()].filter((s) => s === 'back').length;
      o.log(`  ${sut.name} c=${settings.concurrency} period=${settings.periodSeconds}s: ${back}/${nodes.length} rebooted, ${Math.round((Date.now() - t0) / 1000)} s`);
    }
    await sleep(100);
  }
  await Promise.allSettled(cycles);
  await Promise.all([...procs.values()].map(kill));
  obs.stop();
  for (const n of nodes) rmSync(sentinel(n), { force: true });
  const ends = obs.events.filter((e) => e.kind === 'release' || e.kind === 'uncordon').map((e) => e.t);
  return { system: sut.name, settings, nodes: nodes.length, completed, t0, warmupMs, ...(readyMs !== null ? { readyMs } : {}), wallMs: (ends.length ? Math.max(...ends) : Date.now()) - t0, events: obs.events, drains, ...(crashed.length ? { error: crashed.join('; ') } : {}) };
}

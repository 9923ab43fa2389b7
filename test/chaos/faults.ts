// Fault injectors of the chaos runs. Each one does to the simulated cluster what the real world
// (or a person) does: kill an agent like `kill -9` and let the DaemonSet restart it, restart the
// API server, stop etcd under a running API server, kill -9 the hub, delete a lock holder's Node,
// let a machine die for good, make reboots slow, block, force, cancel and cordon; step a machine's
// clock, cut one lock holder's agent off the API server, slow Lease writes down, and take the API
// server away for 30-60 s (after which the whole fleet reconnects at once).
// Every choice comes from the run's seeded generator, so a seed replays the same fault plan.

import * as k8s from '@kubernetes/client-node';
import type { TestCluster } from '../../tools/harness/index.ts';
import type { SimFleet } from '../../backend/agent/sim/fleet.ts';
import type { Watcher } from './watcher.ts';
import type { ChaosHub } from './hub.ts';
import type { SimClocks } from '../../backend/agent/sim/clock.ts';
import type { SimNet } from '../../backend/agent/sim/net.ts';

/** Largest clock offset of a machine (either way): the issue's ±10 minutes. */
export const MAX_SKEW_MS = 600_000;

/** One API server outage: when it went down, for how long, and when it answered again. */
export interface Outage {
  downAt: number;
  downMs: number;
  upAt?: number;
}

export const FAULTS = [
  'kill-agent', 'kill-holder', 'restart-apiserver', 'stop-etcd', 'kill-hub', 'delete-holder', 'dead-node', 'slow-reboots', 'person-block', 'person-force', 'person-cancel', 'person-cordon',
  'clock-skew', 'partition', 'lease-latency', 'apiserver-outage',
] as const;
export type Fault = (typeof FAULTS)[number];

/** A fault with nothing to act on at this moment (no target, one already in progress): not counted as injected. */
export class Skipped extends Error {}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface World {
  c: TestCluster;
  fleet: SimFleet;
  watcher: Watcher;
  random: () => number;
  nodes: string[];
  /** Nodes deleted by a fault: gone, not expected to reboot. */
  deleted: Set<string>;
  /** Nodes a person cordoned (to be lifted by the same person). */
  personCordons: Set<string>;
  /** Nodes a person blocked (lifted when the faults stop). */
  blocks: Set<string>;
  /** Machines that died for good (NotReady, no agent, never back). */
  dead: Set<string>;
  /** The hub process and its client (absent when a run has no hub). */
  hub?: ChaosHub;
  /** Hub restarts after which the client's view agreed with the API server, and those after which it did not. */
  hubChecks: { agreed: number; failed: string[] };
  normalRebootMs: number;
  log: (line: string) => void;
  /** One control-plane fault at a time (API server restart or etcd stop). */
  busy: { apiserver: boolean };
  timers: Set<NodeJS.Timeout>;
  /** The machines' clocks (present when clock-skew is among the faults). */
  clocks?: SimClocks;
  /** The agents' own connections (present when partition, lease-latency or apiserver-outage is). */
  net?: SimNet;
  /** Agents cut off from the API server now. */
  partitioned: Set<string>;
  outages: Outage[];
}

const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const pick = <T>(w: World, xs: readonly T[]): T | undefined => (xs.length ? xs[Math.floor(w.random() * xs.length)] : undefined);
const alive = (w: World) => w.nodes.filter((n) => !w.deleted.has(n) && !w.dead.has(n));

function later(w: World, ms: number, f: () => Promise<void>): void {
  const t = setTimeout(() => {
    w.timers.delete(t);
    f().catch((e) => w.log(`  (deferred fault step failed: ${String(e).split('\n')[0]})`));
  }, ms);
  w.timers.add(t);
}

async function holders(w: World): Promise<string[]> {
  const coord = w.c.kc.makeApiClient(k8s.CoordinationV1Api);
  const l = await coord.listNamespacedLease({ namespace: 'nodemend' });
  return [...new Set(l.items.filter((x) => x.metadata?.name?.startsWith('nodemend-lock-') && x.spec?.holderIdentity).map((x) => x.spec!.holderIdentity!))].filter((n) => !w.deleted.has(n) && !w.dead.has(n));
}

/** Restarts an agent killed earlier, as the DaemonSet would, unless its machine is rebooting. */
export async function restartAgent(w: World, node: string): Promise<void> {
  if (w.deleted.has(node) || w.dead.has(node) || w.fleet.agents.has(node) || w.fleet.isDown(node)) return;
  await w.fleet.startAgent(node);
}

async function kill(w: World, node: string | undefined, why: string): Promise<string> {
  if (!node || !w.fleet.agents.has(node) || w.fleet.isDown(node)) throw new Skipped(`${why}: no target`);
  await w.fleet.killAgent(node);
  const back = 1000 + Math.floor(w.random() * 7000);
  later(w, back, () => restartAgent(w, node));
  return `${why} ${node} (restarts in ${back} ms)`;
}

/** Applies one fault; returns a line for the run log. */
export async function inject(w: World, f: Fault): Promise<string> {
  switch (f) {
    case 'kill-agent':
      return kill(w, pick(w, alive(w)), 'kill -9 agent of');
    case 'kill-holder':
      // Mid-drain or between reboot and verification: the lock holders are exactly those nodes.
      return kill(w, pick(w, await holders(w)), 'kill -9 lock holder agent of');
    case 'restart-apiserver': {
      if (w.busy.apiserver) throw new Skipped('restart-apiserver: one already in progress');
      const down = 1000 + Math.floor(w.random() * 4000);
      w.busy.apiserver = true;
      void w.c.restartApiServer(down).finally(() => (w.busy.apiserver = false));
      return `API server stopped for ${down} ms and restarted`;
    }
    case 'stop-etcd': {
      if (w.busy.apiserver) throw new Skipped('stop-etcd: a control-plane fault is already in progress');
      const down = 2000 + Math.floor(w.random() * 6000);
      w.busy.apiserver = true;
      void w.c.restartEtcd(down).finally(() => (w.busy.apiserver = false));
      return `etcd stopped for ${down} ms under a running API server`;
    }
    case 'kill-hub': {
      const hub = w.hub;
      if (!hub || !hub.running) throw new Skipped('kill-hub: no hub running');
      hub.kill();
      const back = 1000 + Math.floor(w.random() * 4000);
      later(w, back, () => restartHub(w));
      return `kill -9 hub (restarts in ${back} ms)`;
    }
    case 'dead-node': {
      // A machine that dies for good (power supply, disk): preferably a lock holder mid-drain or
      // verifying (the worst moment: cordoned, holding a slot), else any node. Not one that is
      // rebooting: the simulated host would bring it back.
      const cap = Math.max(1, Math.floor(w.nodes.length / 30));
      if (w.dead.size >= cap) throw new Skipped('dead-node: enough dead machines');
      const up = (n: string) => !w.fleet.isDown(n);
      const n = pick(w, (await holders(w)).filter(up)) ?? pick(w, alive(w).filter(up));
      if (!n) throw new Skipped('dead-node: no target');
      w.dead.add(n);
      await w.fleet.killAgent(n);
      await w.c.setNodeReady(n, false);
      return `machine ${n} died and never comes back`;
    }
    case 'delete-holder': {
      const h = pick(w, await holders(w));
      if (!h || w.deleted.size >= Math.max(1, Math.floor(w.nodes.length / 30))) throw new Skipped('delete-holder: no target (or enough deleted)');
      w.deleted.add(h);
      await w.fleet.killAgent(h);
      await w.c.core.deleteNode({ name: h });
      return `deleted the Node of lock holder ${h}`;
    }
    case 'slow-reboots': {
      const ms = 15_000 + Math.floor(w.random() * 25_000);
      w.fleet.o.rebootMs = ms;
      later(w, 20_000, async () => void (w.fleet.o.rebootMs = w.normalRebootMs));
      return `reboots take ${ms} ms for the next 20 s`;
    }
    case 'person-block': {
      const n = pick(w, alive(w));
      if (!n) throw new Skipped('person-block: no target');
      w.blocks.add(n);
      await w.c.core.patchNode({ name: n, body: { metadata: { annotations: { 'nodemend.dev/block': 'chaos: change freeze' } } } }, merge());
      const lift = 3000 + Math.floor(w.random() * 15_000);
      later(w, lift, () => unblock(w, n));
      return `person blocks ${n} for ${lift} ms`;
    }
    case 'person-force': {
      const n = pick(w, alive(w));
      if (!n) throw new Skipped('person-force: no target');
      await w.c.core.patchNode({ name: n, body: { metadata: { annotations: { 'nodemend.dev/force-reboot': new Date().toISOString() } } } }, merge());
      return `person forces a reboot of ${n}`;
    }
    case 'person-cancel': {
      const n = pick(w, alive(w));
      if (!n) throw new Skipped('person-cancel: no target');
      await w.c.core.patchNode({ name: n, body: { metadata: { annotations: { 'nodemend.dev/force-reboot': null, 'nodemend.dev/reboot-after': null } } } }, merge());
      return `person cancels any request on ${n}`;
    }
    case 'clock-skew': {
      // An NTP step on one machine: its agent's clock jumps to a new offset within ±10 minutes.
      const n = pick(w, alive(w));
      if (!n || !w.clocks) throw new Skipped('clock-skew: no target (or no simulated clocks)');
      const before = w.clocks.offsetAt(n);
      const after = skewDraw(w.random);
      w.clocks.set(n, after);
      return `clock of ${n} steps from ${secs(before)} to ${secs(after)} off true time`;
    }
    case 'partition': {
      // A lock holder's agent cut off from the API server (its node stays Ready: the kubelet's
      // own connection is not cut), for 10-90 s: past the grace and past the maximum reboot
      // duration, so the others may take its slot while it still believes it holds it.
      const net = w.net;
      if (!net) throw new Skipped('partition: no simulated network');
      // Holders come and go (a holder mid-reboot has no agent): wait up to 20 s for one.
      let n: string | undefined;
      for (let i = 0; i < 20 && !n; i++) {
        n = pick(w, (await holders(w)).filter((h) => w.fleet.agents.has(h) && !w.fleet.isDown(h) && !w.partitioned.has(h)));
        if (!n) await new Promise((r) => setTimeout(r, 1000));
      }
      if (!n) throw new Skipped('partition: no lock holder with a running agent for 20 s');
      net.partition(n);
      w.partitioned.add(n);
      const ms = 10_000 + Math.floor(w.random() * 80_000);
      later(w, ms, async () => heal(w, n));
      return `agent of lock holder ${n} cut off from the API server for ${ms} ms`;
    }
    case 'lease-latency': {
      const net = w.net;
      if (!net) throw new Skipped('lease-latency: no simulated network');
      if (net.leaseLatency) throw new Skipped('lease-latency: already slow');
      net.leaseLatency = { minMs: 2000, maxMs: 5000 };
      const ms = 15_000 + Math.floor(w.random() * 25_000);
      later(w, ms, async () => void (net.leaseLatency = undefined));
      return `every agent's Lease writes take 2-5 s for ${ms} ms`;
    }
    case 'apiserver-outage': {
      if (w.busy.apiserver) throw new Skipped('apiserver-outage: a control-plane fault is already in progress');
      const down = 30_000 + Math.floor(w.random() * 30_000);
      const o: Outage = { downAt: Date.now(), downMs: down };
      w.outages.push(o);
      w.busy.apiserver = true;
      void w.c.restartApiServer(down).then(() => void (o.upAt = Date.now())).finally(() => (w.busy.apiserver = false));
      return `API server down for ${down} ms (then every agent reconnects at once)`;
    }
    case 'person-cordon': {
      const n = pick(w, alive(w));
      if (!n) throw new Skipped('person-cordon: no target');
      const node = await w.c.core.readNode({ name: n });
      // Only a schedulable node: cordoning one nodemend cordoned would not be a person's cordon.
      if (node.spec?.unschedulable) throw new Skipped(`person-cordon: ${n} already cordoned`);
      node.spec = { ...node.spec, unschedulable: true };
      try {
        await w.c.core.replaceNode({ name: n, body: node });
      } catch {
        throw new Skipped(`person-cordon: ${n} changed meanwhile`);
      }
      w.personCordons.add(n);
      later(w, 5000 + Math.floor(w.random() * 20_000), () => personUncordon(w, n));
      return `person cordons ${n}`;
    }
  }
}

/** Starts the hub again and checks that its client's view agrees with the API server. */
export async function restartHub(w: World): Promise<void> {
  const hub = w.hub;
  if (!hub || hub.running) return;
  await hub.restart();
  const r = await hub.agrees(30_000);
  if (r.ok) w.hubChecks.agreed++;
  else w.hubChecks.failed.push(`after restart ${hub.restarts}: ${r.diff.join('; ')}`);
}

/** A draw from ±10 minutes, in whole seconds. */
export function skewDraw(random: () => number): number {
  return Math.round((random() * 2 - 1) * (MAX_SKEW_MS / 1000)) * 1000;
}

const secs = (ms: number) => `${ms >= 0 ? '+' : ''}${Math.round(ms / 1000)} s`;

/** The partition ends: the agent reaches the API server again. */
export function heal(w: World, n: string): void {
  if (!w.partitioned.delete(n)) return;
  w.net?.heal(n);
}

export async function unblock(w: World, n: string): Promise<void> {
  if (!w.blocks.delete(n) || w.deleted.has(n)) return;
  await w.c.core.patchNode({ name: n, body: { metadata: { annotations: { 'nodemend.dev/block': null } } } }, merge());
}

/** The person lifts their own cordon (the watcher is told, so it is not blamed on nodemend). */
export async function personUncordon(w: World, n: string): Promise<void> {
  if (!w.personCordons.has(n) || w.deleted.has(n)) return;
  for (let i = 0; i < 10; i++) {
    const node = await w.c.core.readNode({ name: n });
    if (!node.spec?.unschedulable || node.metadata?.annotations?.['nodemend.dev/cordoned-by'] !== undefined) break;
    node.spec = { ...node.spec, unschedulable: false };
    w.watcher.inv.allowUncordon(n);
    try {
      await w.c.core.replaceNode({ name: n, body: node });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  w.personCordons.delete(n);
}

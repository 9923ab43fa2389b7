// One chaos run: a real API server with N simulated nodes in zones, workloads with PDBs (one
// that never allows eviction), a real agent per node (backend/agent/sim), every node needing a
// reboot at once (lock races), faults injected at seeded random moments for a while, then time
// to converge. The independent watcher judges the five promises throughout.
// With clock-skew among the faults every machine's clock is off true time by a seeded amount
// within ±10 minutes (and steps now and then); the watcher judges the window promise by each
// node's own clock, as the node's owner would, and everything else by true time.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, ZONE_LABEL, type TestCluster } from '../../tools/harness/index.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { jsonLogger } from '../../backend/shared/log.ts';
import { SimClocks } from '../../backend/agent/sim/clock.ts';
import { SimNet } from '../../backend/agent/sim/net.ts';
import { FAULTS, heal, inject, Skipped, personUncordon, restartAgent, restartHub, rng, skewDraw, unblock, type Fault, type World } from './faults.ts';
import { ChaosHub } from './hub.ts';
import { byOwnClock, evenMinute } from './window.ts';
import { Watcher } from './watcher.ts';
import type { GivenUp, Violation } from './invariants.ts';

export interface ChaosOptions {
  seed: number;
  nodes: number;
  zones: number;
  concurrency: number;
  /** Per-zone limit; undefined = no scope. */
  perZone?: number;
  faults: readonly Fault[];
  /** Faults are injected during this long after the rollout starts. */
  faultWindowMs: number;
  /** Mean pause between two faults. */
  faultEveryMs: number;
  /** Bound on the time to converge after the faults stop. */
  convergeMs: number;
  rebootMs: number;
  /** Reuse a running cluster (nodes are added with a per-run prefix). */
  cluster?: TestCluster;
  log?: (line: string) => void;
  /**
   * Agents may reboot only in even UTC minutes (a --window-cron every 2nd minute, open 1m); the watcher
   * checks that with its own arithmetic. Forced reboots are exempt, as documented.
   */
  windowed?: boolean;
  /** Inject each fault once first, in a seeded order, then at random (the quick run covers every kind). */
  everyFaultOnce?: boolean;
  /** The simulated agents' own log level (they log to stderr). */
  agentLogLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface ChaosReport {
  seed: number;
  nodes: number;
  zones: number;
  concurrency: number;
  perZone?: number;
  windowed: boolean;
  faultsInjected: Record<string, number>;
  /** Faults drawn but skipped, by kind: nothing to act on at that moment (no lock holder, one already in progress). */
  faultsSkipped: Record<string, number>;
  reboots: number;
  /** Most nodes the watcher saw disrupted at once (overall, and in one zone). */
  peak: { cluster: number; scope: number };
  violations: Violation[];
  converged: boolean;
  convergeMs: number;
  stuck: string[];
  exempt: string[];
  /** Machines killed for good by the dead-node fault, and every node the watcher gave up on. */
  dead: string[];
  givenUp: GivenUp[];
  /**
   * The hub (when kill-hub is among the faults): restarts, restarts after which its client's view
   * agreed with the API server within 30 s, and those after which it did not; `final` is the
   * check at the end of the run, when nothing moves any more.
   */
  hub?: { restarts: number; snapshots: number; agreed: number; failed: string[]; gaps: string[]; final: boolean; finalDiff: string[] };
  /** Clock offsets of the machines at the end (ms, + ahead of true time), when clocks were skewed. */
  skew?: { minMs: number; maxMs: number; offsets: Record<string, number> };
  /** Lease writes held back by lease-latency. */
  delayedLeaseWrites?: number;
  /**
   * Each API server outage: list requests of the whole fleet in the 60 s before it went down and
   * in the 60 s after it answered again (counted by the agents' clients as they send), and the
   * most in one second after it.
   */
  outages?: { downMs: number; listsBefore60s: number; listsAfter60s: number; peakPerSecondAfter: number; agents: number }[];
  /** The commit the agent code ran at (git rev-parse HEAD; "+dirty" when backend/ or protocol/ had uncommitted changes). */
  agentCommit: string;
  durationMs: number;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const random = rng(o.seed);
  const c = o.cluster ?? (await startCluster());
  const dir = mkdtempSync(join(tmpdir(), `nodemend-chaos-${o.seed}-`));
  const prefix = `s${o.seed}`;
  const zones = Array.from({ length: o.zones }, (_, i) => `z${i}`);
  const nodes = await c.addNodes(o.nodes, { prefix, zones });
  await c.waitNodesReady(nodes, 120_000);
  for (const n of nodes) await c.setBootId(n, `boot-${n}-0`);
  await c.ensureNamespace('nodemend');
  await c.ensureNamespace(prefix);

  // Workloads: a few Deployments spread over the nodes with PDBs that allow one disruption, and
  // one pod pinned to a node with a PDB that never allows eviction (its node cannot drain).
  const deployments = Math.max(1, Math.ceil(o.nodes / 15));
  for (let i = 0; i < deployments; i++) await c.addDeployment({ namespace: prefix, name: `web-${i}`, replicas: 3, pdb: { maxUnavailable: 1 } });
  const stuckByPdb = nodes[Math.floor(random() * nodes.length)];
  await c.addDeployment({ namespace: prefix, name: 'pinned', replicas: 1, nodeSelector: { 'kubernetes.io/hostname': stuckByPdb }, pdb: { maxUnavailable: 0 } });

  // Every machine's clock off true time by a seeded amount (drawn before anything else that uses
  // the generator only when skew is on, so runs without it replay as before).
  const clocks = o.faults.includes('clock-skew') ? new SimClocks() : undefined;
  if (clocks) for (const n of nodes) clocks.set(n, skewDraw(random), t0);
  const net = o.faults.some((f) => f === 'partition' || f === 'lease-latency' || f === 'apiserver-outage') ? new SimNet({ kubeconfigPath: c.kubeconfigPath, relays: o.faults.includes('partition'), random: rng(o.seed ^ 0x9e3779b9) }) : undefined;
  await net?.prepare(nodes);

  const scope = o.perZone ? { label: ZONE_LABEL, limit: o.perZone } : undefined;
  const watcher = new Watcher(c.kc, {
    namespace: 'nodemend',
    policy: {
      // lagMs: the agent says "healthy" after it uncordons and releases; on this loaded 2-core
      // machine an API call can take seconds, so a phase must stand 10 s to count. Reboots are
      // judged directly: each one must happen under a lock slot, however short.
      concurrency: o.concurrency, scope, inWindow: o.windowed ? byOwnClock(evenMinute, (n, t) => clocks?.offsetAt(n, t) ?? 0) : () => true, lagMs: 10_000, leftCordonedMs: 60_000,
      // Given up after 50 s NotReady: the agents free a NotReady holder's slot 60 s (max reboot
      // duration) after its last renewal (every ~7 s) or its rebooting stage, so never before
      // ~53 s of NotReady; giving up later would count a dead holder and its successor together.
      maxHoldMs: 300_000, blockGraceMs: 5000, lostAfterMs: 50_000,
    },
    onViolation: (v) => log(`  VIOLATION promise ${v.promise}: ${v.message}${v.evidence.why ? `\n    why: ${JSON.stringify(v.evidence.why)}` : ''}`),
  });
  await watcher.start();
  const flags = ['--period=5s', `--concurrency=${o.concurrency}`, '--stale-lock-grace=20s', '--max-reboot-duration=1m', '--drain-timeout=15s', '--reboot-verify-timeout=30s'];
  if (o.windowed) flags.push('--window-cron=*/2 * * * * for 1m UTC');
  if (scope) flags.push(`--concurrency-scope=${ZONE_LABEL}`, `--concurrency-per-scope=${scope.limit}`);
  const fleet = await SimFleet.start(nodes, { kubeconfigPath: c.kubeconfigPath, dir, rebootMs: o.rebootMs, flags, evictionRetryMs: 1000,
    ...(net ? { agentKubeConfig: (n: string) => net.kubeConfig(n) } : {}),
    ...(clocks ? { clock: (n: string) => clocks.clock(n) } : {}),
    log: jsonLogger('sim', o.agentLogLevel ?? (process.env.NODEMEND_CHAOS_AGENT_LOG as ChaosOptions['agentLogLevel']) ?? 'error') });
  const hub = o.faults.includes('kill-hub') ? new ChaosHub(c.kc, c.kubeconfigPath, c.cp.info.token, join(dir, 'hub.log')) : undefined;
  const w: World = {
    c, fleet, watcher, random, nodes, deleted: new Set(), personCordons: new Set(), blocks: new Set(), dead: new Set(),
    hub, hubChecks: { agreed: 0, failed: [] }, normalRebootMs: o.rebootMs, log, busy: { apiserver: false }, timers: new Set(),
    ...(clocks ? { clocks } : {}), ...(net ? { net } : {}), partitioned: new Set(), outages: [],
  };
  let hubFinal = { ok: true, diff: [] as string[] };
  const injected: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  let converged = false;
  let convergeMs = 0;
  let stuck: string[] = [];
  const exempt = (n: string) => w.deleted.has(n) || n === stuckByPdb;
  try {
    await hub?.start();
    fleet.requireReboot(nodes);
    const tr = Date.now();
    const faultEnd = Date.now() + o.faultWindowMs;
    const plan = o.everyFaultOnce ? [...o.faults].map((f) => [random(), f] as const).sort((a, b) => a[0] - b[0]).map(([, f]) => f) : [];
    // The plan of kinds to try once runs to its end even past the window (slow injections, such
    // as waiting for a lock holder, would otherwise leave the last kinds untried).
    while (o.faults.length && (Date.now() < faultEnd || plan.length)) {
      await sleep(o.faultEveryMs * (0.3 + 1.4 * random()));
      const f = plan.shift() ?? o.faults[Math.floor(random() * o.faults.length)];
      try {
        const line = await inject(w, f);
        injected[f] = (injected[f] ?? 0) + 1;
        log(`  +${Math.round((Date.now() - tr) / 1000)}s ${f}: ${line}`);
      } catch (e) {
        if (e instanceof Skipped) skipped[f] = (skipped[f] ?? 0) + 1;
        log(`  +${Math.round((Date.now() - tr) / 1000)}s ${f} ${e instanceof Skipped ? 'skipped' : 'could not be injected'}: ${e instanceof Skipped ? e.message : String(e).split('\n')[0]}`);
      }
    }
    // The faults stop: pending restarts and people's actions complete now.
    for (const t of w.timers) clearTimeout(t);
    w.timers.clear();
    fleet.o.rebootMs = o.rebootMs;
    for (const n of [...w.partitioned]) heal(w, n);
    if (net) net.leaseLatency = undefined;
    while (w.busy.apiserver) await sleep(200); // a control-plane fault in flight completes first
    await c.cp.startEtcd();
    await waitApi(c);
    await restartHub(w);
    for (const n of [...w.blocks]) await unblock(w, n);
    for (const n of [...w.personCordons]) await personUncordon(w, n);
    for (const n of nodes) await restartAgent(w, n).catch(() => undefined);
    const tc = Date.now();
    while (Date.now() - tc < o.convergeMs) {
      watcher.check();
      stuck = watcher.inv.outstanding(Date.now(), exempt);
      if (stuck.length === 0 && !nodes.some((n) => fleet.isDown(n))) {
        converged = true;
        break;
      }
      await sleep(2000);
    }
    convergeMs = Date.now() - tc;
    await fleet.settle();
    watcher.finish(exempt);
    if (hub) {
      const r = await hub.agrees(30_000);
      hubFinal = r.ok ? { ok: true, diff: [] } : { ok: false, diff: r.diff };
    }
  } finally {
    for (const t of w.timers) clearTimeout(t);
    await fleet.stop();
    await net?.stop();
    await hub?.stop();
    await watcher.stop();
    if (!o.cluster) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    seed: o.seed, nodes: o.nodes, zones: o.zones, concurrency: o.concurrency, perZone: o.perZone, windowed: !!o.windowed,
    faultsInjected: injected, faultsSkipped: skipped, reboots: watcher.inv.reboots, peak: { ...watcher.inv.peak }, violations: [...watcher.violations], converged, convergeMs,
    stuck, exempt: [...w.deleted, stuckByPdb], dead: [...w.dead], givenUp: [...watcher.inv.givenUp],
    ...(clocks ? { skew: skewOf(clocks.offsets()) } : {}),
    ...(net ? { delayedLeaseWrites: net.delayedWrites } : {}),
    ...(net && w.outages.length ? { outages: w.outages.map((x) => herd(net, x, nodes.length)) } : {}),
    agentCommit: agentCommit(),
    ...(hub ? { hub: { restarts: hub.restarts, snapshots: hub.snapshots, agreed: w.hubChecks.agreed, failed: w.hubChecks.failed, gaps: hub.gaps, final: hubFinal.ok, finalDiff: hubFinal.diff } } : {}),
    durationMs: Date.now() - t0,
  };
}

export const ALL_FAULTS: readonly Fault[] = FAULTS;


function skewOf(offsets: Record<string, number>): ChaosReport['skew'] {
  const v = Object.values(offsets);
  return { minMs: Math.min(...v), maxMs: Math.max(...v), offsets };
}

function herd(net: SimNet, o: { downAt: number; downMs: number; upAt?: number }, agents: number): NonNullable<ChaosReport['outages']>[number] {
  const before = net.lists(o.downAt - 60_000, o.downAt);
  const after = o.upAt === undefined ? { total: 0, peakPerSecond: 0 } : net.lists(o.upAt, o.upAt + 60_000);
  return { downMs: o.downMs, listsBefore60s: before.total, listsAfter60s: after.total, peakPerSecondAfter: after.peakPerSecond, agents };
}

let commit: string | undefined;
/** HEAD, marked dirty when the code the agents run (backend/, protocol/) differs from it. */
export function agentCommit(): string {
  if (commit) return commit;
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'backend', 'protocol'], { encoding: 'utf8' }).trim() !== '';
    commit = `${head}${dirty ? '+dirty' : ''}`;
  } catch {
    commit = 'unknown (not a git checkout)';
  }
  return commit;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitApi(c: TestCluster): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      await c.core.listNode({ limit: 1 });
      return;
    } catch {
      await sleep(500);
    }
  }
}

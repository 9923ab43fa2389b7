// `npm run bench [-- --quick]`: nodemend and Kured side by side on one simulated cluster (same
// nodes, workloads, PodDisruptionBudgets and reboot duration). Writes bench/results.json and
// prints a table. Everything listens on 127.0.0.1. See docs/benchmarks.md for the method.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { timelineSvg } from './chart.ts';
import { startCluster, type TestCluster } from '../tools/harness/index.ts';
import { seedCluster } from '../tools/harness/workloads.ts';
import { measureIdle, perAgentPerHour, requestRate, type IdleFigures, type RequestRate } from './idle.ts';
import { KuredSystem } from './kured.ts';
import { NodemendSystem } from './nodemend.ts';
import { parsePlan } from './plan.ts';
import { stopAll } from './procs.ts';
import { rollout, type RolloutResult, type Sut } from './rollout.ts';
import { summarize, type HubFigures } from './summary.ts';
import { formatTable } from './table.ts';

const REPO = resolve(import.meta.dirname, '..');
const plan = parsePlan(process.argv.slice(2));
const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const work = mkdtempSync(join(tmpdir(), 'nodemend-bench-'));
let cluster: TestCluster | undefined;

async function shutdown(code: number): Promise<never> {
  await stopAll();
  await cluster?.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(130));
process.once('SIGTERM', () => void shutdown(143));

function hubFanout(nodes: number, clients: number): Promise<HubFigures | string> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(REPO, 'bench/hub-fanout.ts'), `--nodes=${nodes}`, `--clients=${clients}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      try {
        res(code === 0 ? (JSON.parse(out) as HubFigures) : `hub-fanout exited ${code}: ${err.slice(-500)}`);
      } catch {
        res(`hub-fanout printed no JSON: ${err.slice(-500)}`);
      }
    });
  });
}

async function main(): Promise<void> {
  log(`plan: ${JSON.stringify(plan)}`);
  // Fail now, not after an hour of measuring, if the results cannot be written.
  mkdirSync(dirname(resolve(REPO, plan.out)), { recursive: true });
  const c = (cluster = await startCluster());
  const { nodes } = await seedCluster(c, { nodes: plan.nodes, zones: ['a', 'b', 'c'], pools: ['p1', 'p2'] });
  const settingsNotes: string[] = [];
  if (plan.nodes < 13) {
    // seedCluster's "api" budget (minAvailable 75%) allows no disruption below 4 replicas, i.e.
    // below 13 nodes; small runs would deadlock both systems alike, so it is relaxed to 1.
    await c.kubectl(['-n', 'shop', 'patch', 'pdb', 'api', '--type=merge', '-p', '{"spec":{"minAvailable":null,"maxUnavailable":1}}']);
    settingsNotes.push('api PodDisruptionBudget relaxed to maxUnavailable 1 (fewer than 13 nodes)');
  }
  const systems: Sut[] = [new NodemendSystem(c, work), new KuredSystem(c, work)];
  const missing: Record<string, string> = {};
  for (const s of systems) {
    const why = s.unavailable();
    if (why) {
      missing[s.name] = why;
      log(`${s.name}: ${why}`);
    } else await s.prepare();
  }
  for (const s of systems) if (s instanceof NodemendSystem) settingsNotes.push(...s.notes);
  const idleMs = plan.idleSeconds * 1000;
  log(`baseline: control plane alone for ${plan.idleSeconds} s`);
  const baselines: RequestRate[] = [await requestRate(c, idleMs)];
  const idle: Record<string, IdleFigures> = {};
  const rollouts: RolloutResult[] = [];
  for (const sut of systems) {
    if (missing[sut.name]) continue;
    const periods = sut.name === 'kured' ? plan.kuredPeriods : [plan.kuredPeriods[0]];
    for (const periodSeconds of periods) {
      for (const concurrency of plan.concurrencies) {
        for (let rep = 0; rep < plan.reps; rep++) {
          log(`${sut.name}: rollout of ${nodes.length} nodes, concurrency ${concurrency}, period ${periodSeconds} s, repetition ${rep + 1}/${plan.reps}`);
          const needIdle = idle[sut.name] === undefined;
          const r = await rollout({
            c, sut, nodes, settings: { concurrency, periodSeconds }, rebootMs: plan.rebootSeconds * 1000, dir: work,
            timeoutMs: plan.rolloutTimeoutMinutes * 60_000, log,
            onIdle: needIdle ? async (procs) => {
              log(`${sut.name}: idle footprint and API load for ${plan.idleSeconds} s`);
              idle[sut.name] = await measureIdle(c, [...procs.values()].map((p) => p.pid), idleMs);
            } : undefined,
          });
          log(`${sut.name}: ${r.completed ? 'done' : r.error ? `STOPPED: ${r.error}` : 'TIMED OUT'} in ${(r.wallMs / 1000).toFixed(1)} s`);
          rollouts.push(r);
        }
      }
    }
  }
  if (rollouts.length > 0) baselines.push(await requestRate(c, idleMs));
  const baseline: RequestRate = { requests: baselines.reduce((a, b) => a + b.requests, 0), seconds: baselines.reduce((a, b) => a + b.seconds, 0), perHour: 0 };
  baseline.perHour = (baseline.requests / baseline.seconds) * 3600;
  let hub: HubFigures | string | null = null;
  if (plan.hub) {
    log(`hub fan-out: ${plan.hub.nodes} nodes, ${plan.hub.clients} clients`);
    hub = await hubFanout(plan.hub.nodes, plan.hub.clients);
  }
  const apiPerAgent: Record<string, number> = {};
  for (const [k, v] of Object.entries(idle)) apiPerAgent[k] = perAgentPerHour(v.rate, baseline, nodes.length);
  const measurements = summarize({ plan, rollouts, idle, apiPerAgent, hub, missing, settingsNotes });
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version,
    kubernetes: /"gitVersion":\s*"([^"]+)"/.exec((await c.kubectl(['version', '-o', 'json'])).stdout.split('serverVersion')[1] ?? '')?.[1] ?? 'unknown',
  };
  const file = resolve(REPO, plan.out);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({
    generated: new Date().toISOString(), machine, plan, missing, measurements,
    idle, baseline, hub,
    rollouts: rollouts.map((r) => ({ ...r, events: r.events.map((e) => ({ ...e, t: e.t - r.t0 })) })),
  }, null, 1) + '\n');
  const svg = join(dirname(file), 'charts', 'rollout.svg');
  mkdirSync(dirname(svg), { recursive: true });
  writeFileSync(svg, timelineSvg(rollouts.map((r) => ({ ...r, events: r.events.map((e) => ({ ...e, t: e.t - r.t0 })) }))));
  process.stdout.write(`\n${formatTable(measurements)}\n\nwritten to ${file} and ${svg}\n`);
}

main().then(() => shutdown(0), (e: unknown) => {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  void shutdown(1);
});

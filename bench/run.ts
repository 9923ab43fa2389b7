// `npm run bench [-- --quick]`: nodemend and Kured side by side on one simulated cluster (same
// nodes, workloads, PodDisruptionBudgets and reboot duration). Writes bench/results.json after
// every measurement (a crash late in a long run loses nothing measured before it) and prints a
// table at the end. Everything listens on 127.0.0.1. See docs/benchmarks.md for the method.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { agentNodeCommand, buildAgentBundle, type AgentBundle } from './bundle.ts';
import { timelineSvg } from './chart.ts';
import { startCluster, type TestCluster } from '../tools/harness/index.ts';
import { seedCluster } from '../tools/harness/workloads.ts';
import { measureIdle, perAgentPerHour, requestRate, type IdleFigures, type RequestRate } from './idle.ts';
import { KuredSystem } from './kured.ts';
import { NodemendSystem } from './nodemend.ts';
import { deadlineMs, parsePlan, rolloutKey } from './plan.ts';
import { stopAll } from './procs.ts';
import { rollout, type RolloutResult, type Sut } from './rollout.ts';
import { summarize, type HubFigures, type TreeFigures } from './summary.ts';
import { formatTable } from './table.ts';
import { lastJson } from './stats.ts';

const REPO = resolve(import.meta.dirname, '..');
// `--scale` is a bench of its own (bench/scale.ts: one cluster per N); nothing below applies to it.
if (process.argv.includes('--scale')) {
  const { scaleMain } = await import('./scale.ts');
  process.exit(await scaleMain(process.argv.slice(2)));
}
const plan = parsePlan(process.argv.slice(2));
const log = (m: string) => process.stderr.write(`[bench ${new Date().toTimeString().slice(0, 8)}] ${m}\n`);
const work = mkdtempSync(join(tmpdir(), 'nodemend-bench-'));
const endBy = deadlineMs(plan.deadline, new Date());
let cluster: TestCluster | undefined;

async function shutdown(code: number): Promise<never> {
  await stopAll();
  // --keep also keeps the API server's audit log: every agent request, with its timing.
  const audit = cluster?.cp.info.auditLogPath;
  if (plan.keep && audit) copyFileSync(audit, join(work, 'audit.log'));
  await cluster?.stop().catch(() => undefined);
  if (plan.keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(130));
process.once('SIGTERM', () => void shutdown(143));

/** Runs a node script that prints one JSON object (on one line or pretty-printed) last on stdout. */
function jsonChild<T>(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T | string> {
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      try {
        res(code === 0 ? (lastJson(out) as T) : `${args[0]} exited ${code}: ${err.slice(-500)}`);
      } catch {
        res(`${args[0]} printed no JSON: ${err.slice(-500)}`);
      }
    });
  });
}

// Load of the machine while measuring (others share it): 1-minute load average every 10 s.
const load: [number, number][] = [];
const readLoad = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const loadTimer = setInterval(() => load.push([Date.now(), readLoad()]), 10_000);
loadTimer.unref();
load.push([Date.now(), readLoad()]);

const file = resolve(REPO, plan.out);
const svg = join(dirname(file), 'charts', 'rollout.svg');
const machine: Record<string, string | number> = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version };
const rollouts: RolloutResult[] = [];
const idle: Record<string, IdleFigures> = {};
const baselines: RequestRate[] = [];
const missing: Record<string, string> = {};
const settingsNotes: string[] = [];
const skipped: string[] = [];
const started = new Date();
let hub: HubFigures | string | null = null;
let tree: TreeFigures | string | null = null;
let bundle: AgentBundle | null = null;
let agentCommand: { program: string; envNodeOptions: string; variants: string[] } | undefined;
let nodeCount = plan.nodes;

/** Writes everything measured so far (atomically: temp file, then rename) and the chart. */
function flush(status: 'running' | 'complete' | 'failed', error?: string): string {
  const baseline: RequestRate = { requests: baselines.reduce((a, b) => a + b.requests, 0), seconds: baselines.reduce((a, b) => a + b.seconds, 0), perHour: 0 };
  baseline.perHour = baseline.seconds > 0 ? (baseline.requests / baseline.seconds) * 3600 : 0;
  const apiPerAgent: Record<string, number> = {};
  // Exact, from the audit log; the older estimate (all requests minus the control plane alone) is
  // the fallback, kept in results.json as a cross-check.
  for (const [k, v] of Object.entries(idle)) {
    if (v.audit) apiPerAgent[k] = v.audit.perAgentPerHour;
    else if (baseline.seconds > 0) apiPerAgent[k] = perAgentPerHour(v.rate, baseline, nodeCount);
  }
  const measurements = summarize({ plan, rollouts, idle, apiPerAgent, hub, missing, settingsNotes, tree, agentCommand });
  const loads = load.map(([, l]) => l).sort((a, b) => a - b);
  const rel = (r: RolloutResult) => ({ ...r, events: r.events.map((e) => ({ ...e, t: e.t - r.t0 })) });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify({
    generated: new Date().toISOString(), started: started.toISOString(), status, ...(error ? { error } : {}),
    machine, load: { load1Median: loads[Math.floor(loads.length / 2)] ?? null, load1Max: loads[loads.length - 1] ?? null, every10s: load.map(([t, l]) => [Math.round((t - started.getTime()) / 1000), l]) },
    plan, skipped, missing, agentBundle: bundle, agentCommand, measurements, idle, baseline, hub, tree,
    rollouts: rollouts.map(rel),
  }, null, 1) + '\n');
  renameSync(`${file}.tmp`, file);
  mkdirSync(dirname(svg), { recursive: true });
  writeFileSync(svg, timelineSvg(rollouts.map(rel)));
  return formatTable(measurements);
}

async function main(): Promise<void> {
  log(`plan: ${JSON.stringify(plan)}`);
  // Fail now, not after an hour of measuring, if the results cannot be written.
  flush('running');
  // Hub and extension first: they need no cluster and are quick, so a late failure keeps them.
  if (plan.hub) {
    log(`hub fan-out: ${plan.hub.nodes} nodes, ${plan.hub.clients} clients`);
    hub = await jsonChild<HubFigures>([join(REPO, 'bench/hub-fanout.ts'), `--nodes=${plan.hub.nodes}`, `--clients=${plan.hub.clients}`]);
    flush('running');
  }
  if (plan.treeNodes) {
    log(`extension tree update: ${plan.treeNodes} nodes`);
    tree = await jsonChild<TreeFigures>([join(REPO, 'extension/tree/bench.ts')], { ...process.env, NODES: String(plan.treeNodes) });
    flush('running');
  }
  // The agent binary, built once now: later source edits cannot change it mid-run.
  bundle = await buildAgentBundle(work);
  const readable = plan.nodeOptions.some((v) => v.split(/\s+/).includes('@readable')) ? await buildAgentBundle(work, { readable: true }) : null;
  const shipped = agentNodeCommand();
  // Variants add options after the shipped command line's own (a later flag wins).
  const variants = plan.nodeOptions.map((v) => [...shipped.cliOptions, v].filter((x) => x !== '').join(' '));
  agentCommand = { program: `backend.mjs (esbuild bundle, as in the image); node options from ${shipped.source}`, envNodeOptions: shipped.envNodeOptions, variants };
  log(`agent bundle: ${bundle.bytes} bytes, sha256 ${bundle.sha256}, HEAD ${bundle.commit}${bundle.dirty.length ? `, uncommitted: ${bundle.dirty.join(', ')}` : ''}; NODE_OPTIONS="${agentCommand.envNodeOptions}", variants ${JSON.stringify(variants)}`);

  const c = (cluster = await startCluster({ audit: true }));
  machine.kubernetes = /"gitVersion":\s*"([^"]+)"/.exec((await c.kubectl(['version', '-o', 'json'])).stdout.split('serverVersion')[1] ?? '')?.[1] ?? 'unknown';
  const { nodes } = await seedCluster(c, { nodes: plan.nodes, zones: ['a', 'b', 'c'], pools: ['p1', 'p2'] });
  nodeCount = nodes.length;
  if (plan.nodes < 13) {
    // seedCluster's "api" budget (minAvailable 75%) allows no disruption below 4 replicas, i.e.
    // below 13 nodes; small runs would deadlock both systems alike, so it is relaxed to 1.
    await c.kubectl(['-n', 'shop', 'patch', 'pdb', 'api', '--type=merge', '-p', '{"spec":{"minAvailable":null,"maxUnavailable":1}}']);
    settingsNotes.push('api PodDisruptionBudget relaxed to maxUnavailable 1 (fewer than 13 nodes)');
  }
  const all: Sut[] = [
    new NodemendSystem(c, work, { program: bundle.path, ...(readable ? { readableProgram: readable.path } : {}), envNodeOptions: agentCommand.envNodeOptions, variants, nodes }),
    new KuredSystem(c, work),
  ];
  const systems = all.filter((s) => plan.systems.includes(s.name));
  for (const s of systems) {
    const why = s.unavailable();
    if (why) {
      missing[s.name] = why;
      log(`${s.name}: ${why}`);
    } else await s.prepare();
  }
  for (const s of systems) if (s instanceof NodemendSystem) settingsNotes.push(...s.notes);
  const idleMs = plan.idleSeconds * 1000;
  // The audit log counts each system's own requests; the control plane's background traffic is
  // measured (to subtract it) only without one.
  const audited = c.cp.info.auditLogPath !== undefined;
  if (!audited) {
    log(`baseline: control plane alone for ${plan.idleSeconds} s`);
    baselines.push(await requestRate(c, idleMs));
  }
  flush('running');
  for (const sut of systems) {
    if (missing[sut.name]) continue;
    const periods = sut.name === 'kured' ? plan.kuredPeriods : [plan.kuredPeriods[0]];
    const reps = sut.name === 'nodemend' ? plan.nodemendReps : plan.reps;
    for (const periodSeconds of periods) {
      for (const concurrency of plan.concurrencies) {
        const key = rolloutKey(sut.name, concurrency, periodSeconds);
        if (plan.skip.includes(key)) {
          skipped.push(`${key}: left out by --skip`);
          continue;
        }
        for (let rep = 0; rep < reps; rep++) {
          const needIdle = idle[sut.name] === undefined;
          const before = sut.warmupMs({ concurrency, periodSeconds }) + (needIdle ? idleMs : 0);
          const left = endBy - Date.now() - before;
          // Expected length: the last finished rollout of this system at this concurrency (any
          // period), plus a fifth for noise; at least a minute.
          const like = [...rollouts].reverse().find((r) => r.system === sut.name && r.settings.concurrency === concurrency && r.completed);
          const need = Math.max(60_000, like ? like.wallMs * 1.2 : 0);
          if (left < need) {
            skipped.push(`${key} repetition ${rep + 1}: not started, the --deadline ${plan.deadline} left ${Math.round(left / 1000)} s, it needs about ${Math.round(need / 1000)} s`);
            log(`${key}: skipped (deadline)`);
            continue;
          }
          log(`${sut.name}: rollout of ${nodes.length} nodes, concurrency ${concurrency}, period ${periodSeconds} s, repetition ${rep + 1}/${reps}`);
          const r = await rollout({
            c, sut, nodes, settings: { concurrency, periodSeconds }, rebootMs: plan.rebootSeconds * 1000, dir: work,
            timeoutMs: Math.min(plan.rolloutTimeoutMinutes * 60_000, left), log,
            onIdle: needIdle ? async (procs) => {
              log(`${sut.name}: idle footprint and API load for ${plan.idleSeconds} s`);
              idle[sut.name] = await measureIdle(c, [...procs.values()], idleMs, sut.apiUser);
              flush('running');
            } : undefined,
          });
          log(`${sut.name}: ${r.completed ? 'done' : r.error ? `STOPPED: ${r.error}` : 'TIMED OUT'} in ${(r.wallMs / 1000).toFixed(1)} s`);
          rollouts.push(r);
          flush('running');
        }
      }
    }
  }
  if (!audited && rollouts.length > 0 && endBy - Date.now() > idleMs + 30_000) {
    log(`baseline again: control plane alone for ${plan.idleSeconds} s`);
    baselines.push(await requestRate(c, idleMs));
  }
  const table = flush('complete');
  process.stdout.write(`\n${table}\n\nwritten to ${file} and ${svg}\n`);
}

main().then(() => shutdown(0), (e: unknown) => {
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
  log(`failed: ${msg}`);
  try { flush('failed', msg.slice(0, 2000)); } catch (w) { log(`could not write the partial results: ${String(w)}`); }
  void shutdown(1);
});

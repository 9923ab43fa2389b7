// `npm run chaos`: seeded, reproducible, time-bounded chaos runs of simulated clusters (see
// chaos.ts), one API server per run. Prints each run's figures and, for a failing run, the
// command that replays its seed; writes every figure to bench/chaos.json.
//   node test/chaos/run.ts [--seeds=1,2,3 | --runs=N] [--nodes=30] [--zones=3] [--concurrency=2]
//        [--per-zone=1] [--fault-window=90s] [--fault-every=4s] [--converge=<bound from size>]
//        [--reboot-ms=1500] [--windowed=true|false]
//        [--faults=kill-agent,restart-apiserver,stop-etcd,kill-hub,dead-node,...] [--except=apiserver-outage,...]
//        [--out=bench/chaos.json]
// Fault kinds (all by default): kill-agent kill-holder restart-apiserver stop-etcd kill-hub
// delete-holder dead-node slow-reboots person-block person-force person-cancel person-cordon, and
//   clock-skew        every machine's clock off true time by up to ±10 min (seeded), steps now and then
//   partition         a lock holder's agent cut off from the API server for 10-90 s (a relay per agent)
//   lease-latency     every agent's Lease writes held back 2-5 s, for 15-40 s
//   apiserver-outage  API server down 30-60 s; the report counts the fleet's list requests after it
// e.g. --faults=clock-skew,partition,lease-latency,apiserver-outage runs only the network and clock faults.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runChaos, ALL_FAULTS, type ChaosReport } from './chaos.ts';
import { FAULTS, type Fault } from './faults.ts';
import { failed, summarize } from './summary.ts';

const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([a-z-]+)=(.*)$/.exec(a);
  if (!m) {
    console.error(`unexpected argument ${JSON.stringify(a)}; flags look like --name=value`);
    process.exit(2);
  }
  return [m[1], m[2]] as const;
}));
const known = ['seeds', 'runs', 'nodes', 'zones', 'concurrency', 'per-zone', 'fault-window', 'fault-every', 'converge', 'reboot-ms', 'faults', 'except', 'out', 'windowed'];
for (const k of args.keys()) if (!known.includes(k)) fail(`unknown flag --${k}; known: ${known.map((x) => `--${x}`).join(' ')}`);

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}
function int(name: string, def: number, min: number, max: number): number {
  const raw = args.get(name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}
function dur(name: string, def: number): number {
  const raw = args.get(name);
  if (raw === undefined) return def;
  const m = /^(\d+)(ms|s|m)$/.exec(raw);
  if (!m) fail(`--${name}: expected a duration such as 90s or 5m, got ${JSON.stringify(raw)}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

const runs = int('runs', 3, 1, 1000);
const seeds = args.has('seeds') ? args.get('seeds')!.split(',').map((s) => (/^\d+$/.test(s) ? Number(s) : fail(`--seeds: ${JSON.stringify(s)} is not a whole number`))) : Array.from({ length: runs }, (_, i) => i + 1);
const kinds = (flag: string): Fault[] => {
  const xs = args.get(flag)!.split(',').filter(Boolean) as Fault[];
  for (const f of xs) if (!(FAULTS as readonly string[]).includes(f)) fail(`--${flag}: unknown fault ${JSON.stringify(f)}; known: ${FAULTS.join(', ')}`);
  return xs;
};
const except = args.has('except') ? kinds('except') : [];
const faults = (args.has('faults') ? kinds('faults') : ALL_FAULTS).filter((f) => !except.includes(f));
const out = args.get('out') ?? 'bench/chaos.json';

const reports: ChaosReport[] = [];
const started = Date.now();
for (const seed of seeds) {
  // Vary the shape with the seed unless fixed by flags: 30-100 nodes, concurrency 1-3, 1-3 zones.
  const nodes = int('nodes', [30, 50, 100][seed % 3], 3, 500);
  const concurrency = int('concurrency', 1 + (seed % 3), 1, 10);
  const zones = int('zones', 1 + ((seed >> 1) % 3), 1, 10);
  const perZone = args.has('per-zone') ? int('per-zone', 1, 1, 10) : zones > 1 && seed % 2 === 0 ? 1 : undefined;
  // Every third seed (or --windowed=true) runs with a maintenance window open in even minutes.
  const windowed = args.has('windowed') ? args.get('windowed') === 'true' : seed % 3 === 0;
  console.log(`chaos seed ${seed}: ${nodes} nodes, ${zones} zone(s), concurrency ${concurrency}${perZone ? `, ${perZone} per zone` : ''}${windowed ? ', window: even minutes' : ''}`);
  const r = await runChaos({
    seed, nodes, zones, concurrency, perZone, faults, windowed,
    faultWindowMs: dur('fault-window', 90_000), faultEveryMs: dur('fault-every', 4000), convergeMs: dur('converge', convergeBound(nodes, concurrency, zones, perZone, windowed)),
    rebootMs: int('reboot-ms', 1500, 0, 600_000), log: (l) => console.log(l),
  });
  reports.push(r);
  const faultsN = Object.values(r.faultsInjected).reduce((a, b) => a + b, 0);
  if (r.givenUp.length) console.log(`  seed ${seed}: given up (NotReady for good, not owed a reboot): ${r.givenUp.map((g) => `${g.node} since ${g.notReadySince}${g.backAt ? `, back ${g.backAt}` : ''}`).join('; ')}`);
  if (r.hub) console.log(`  seed ${seed}: hub killed and restarted ${r.hub.restarts} times, view agreed with the API server after ${r.hub.agreed}, not after ${r.hub.failed.length}; at the end: ${r.hub.final ? 'agreed' : `DISAGREED ${r.hub.finalDiff.join('; ')}`}${r.hub.gaps.length ? `; sequence gaps: ${r.hub.gaps.join('; ')}` : ''}`);
  for (const o of r.outages ?? []) console.log(`  seed ${seed}: API server down ${Math.round(o.downMs / 1000)} s; the ${o.agents} agents sent ${o.listsAfter60s} list requests in the minute after (at most ${o.peakPerSecondAfter} in one second), ${o.listsBefore60s} in the minute before`);
  console.log(`  seed ${seed}: ${faultsN} faults, ${r.reboots} reboots, peak ${r.peak.cluster} disrupted (limit ${concurrency})${perZone ? `, ${r.peak.scope} in a zone (limit ${perZone})` : ''}, ${r.violations.length} violations, ${r.converged ? `converged ${Math.round(r.convergeMs / 1000)} s after the faults stopped` : `NOT converged; stuck: ${r.stuck.join('; ')}`} (${Math.round(r.durationMs / 1000)} s, agent ${r.agentCommit.slice(0, 12)}${r.agentCommit.endsWith('+dirty') ? '+dirty' : ''})`);
  save();
  if (failed(r)) console.log(`  FAILING SEED ${seed}; replay: node test/chaos/run.ts --seeds=${seed} --nodes=${nodes} --zones=${zones} --concurrency=${concurrency}${perZone ? ` --per-zone=${perZone}` : ''} --windowed=${windowed} --faults=${faults.join(',')}${['fault-window', 'fault-every', 'converge', 'reboot-ms'].filter((k) => args.has(k)).map((k) => ` --${k}=${args.get(k)}`).join('')}`);
}

const { summary, bad } = save();
console.log(`${reports.length} run(s), ${summary.reboots} reboots, ${Object.values(summary.faultsInjected).reduce((a, b) => a + b, 0)} faults, ${summary.violations} violations; failing seeds: ${bad.length ? bad.map((r) => r.seed).join(',') : 'none'}; wrote ${out}`);
process.exit(bad.length ? 1 : 0);

/**
 * Time a rollout needs after the faults (a bound, not a target): rounds of the effective
 * parallelism at ~30 s each on a loaded 2-core machine, doubled when the window is open half the
 * time, plus slack for the last slow reboots; at least 5 minutes.
 */
function convergeBound(nodes: number, concurrency: number, zones: number, perZone: number | undefined, windowed: boolean): number {
  const parallel = Math.max(1, Math.min(concurrency, perZone ? zones * perZone : concurrency));
  const ms = Math.ceil(nodes / parallel) * 30_000 * (windowed ? 2 : 1) + 180_000;
  return Math.max(300_000, ms);
}

/** Writes every figure so far (after each run, so an interrupted run still leaves its results). */
function save() {
  const bad = reports.filter(failed);
  const summary = summarize(reports, seeds, Date.now() - started);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, bad };
}

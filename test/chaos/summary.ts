// The figures of a set of chaos runs, as bench/chaos.json holds them: shared by the runner
// (run.ts, rewritten after every run) and merge.ts (runs made in several processes).

import type { ChaosReport } from './chaos.ts';

/** A run fails on any violation, on not converging, or on a hub whose client saw a wrong view. */
export function failed(r: ChaosReport): boolean {
  return r.violations.length > 0 || !r.converged || (r.hub !== undefined && (r.hub.failed.length > 0 || !r.hub.final || r.hub.gaps.length > 0));
}

const sum = (reports: ChaosReport[], f: (r: ChaosReport) => number) => reports.reduce((a, r) => a + f(r), 0);

export function summarize(reports: ChaosReport[], seeds: number[], durationMs: number) {
  const conv = reports.filter((r) => r.converged).map((r) => r.convergeMs).sort((a, b) => a - b);
  const faultsInjected = reports.reduce<Record<string, number>>((acc, r) => {
    for (const [k, v] of Object.entries(r.faultsInjected)) acc[k] = (acc[k] ?? 0) + v;
    return acc;
  }, {});
  return {
    when: new Date().toISOString(),
    runs: reports.length,
    seeds,
    nodes: sum(reports, (r) => r.nodes),
    shapes: reports.map((r) => `seed ${r.seed}: ${r.nodes} nodes, ${r.zones} zone(s), concurrency ${r.concurrency}${r.perZone ? `, ${r.perZone}/zone` : ''}${r.windowed ? ', windowed' : ''}${r.skew ? `, clocks ${Math.round(r.skew.minMs / 1000)}..${Math.round(r.skew.maxMs / 1000)} s off` : ''}, ${Math.round(r.durationMs / 1000)} s`),
    faultsInjected,
    faultsTotal: Object.values(faultsInjected).reduce((a, b) => a + b, 0),
    faultsSkipped: reports.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.faultsSkipped ?? {})) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {}),
    reboots: sum(reports, (r) => r.reboots),
    violations: sum(reports, (r) => r.violations.length),
    violationsByPromise: reports.flatMap((r) => r.violations).reduce<Record<string, number>>((acc, v) => ({ ...acc, [v.promise]: (acc[v.promise] ?? 0) + 1 }), {}),
    hub: {
      restarts: sum(reports, (r) => r.hub?.restarts ?? 0),
      agreedAfterRestart: sum(reports, (r) => r.hub?.agreed ?? 0),
      disagreements: sum(reports, (r) => (r.hub?.failed.length ?? 0) + (r.hub && !r.hub.final ? 1 : 0) + (r.hub?.gaps.length ?? 0)),
    },
    // The herd after each API server outage: the fleet's list requests in the minute after it
    // answered again, against the minute before it went down.
    outages: reports.flatMap((r) => (r.outages ?? []).map((o) => ({ seed: r.seed, ...o }))),
    agentCommits: [...new Set(reports.map((r) => r.agentCommit ?? 'unknown'))],
    deadMachines: sum(reports, (r) => r.dead.length),
    givenUp: sum(reports, (r) => r.givenUp.length),
    converged: conv.length,
    convergeMs: conv.length ? { min: conv[0], median: conv[Math.floor(conv.length / 2)], max: conv[conv.length - 1] } : undefined,
    stuck: reports.filter((r) => !r.converged).map((r) => ({ seed: r.seed, stuck: r.stuck })),
    failingSeeds: reports.filter(failed).map((r) => r.seed),
    durationMs,
    reports,
  };
}

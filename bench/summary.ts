// Turns raw runs into the measurements of results.json: one object per figure, nodemend vs
// Kured, with ratio, units, N and settings. Pure, so the arithmetic is unit-tested.

import type { Plan } from './plan.ts';
import type { IdleFigures } from './idle.ts';
import type { RolloutResult } from './rollout.ts';
import { detections, handoffs, idealMs, maxConcurrentCordoned, median, nodeWork, percentile, round } from './stats.ts';
import { measurement, type Measurement } from './table.ts';

export interface HubFigures {
  nodes: number;
  clients: number;
  snapshotBytesPerNode: number;
  throughput: { eventsPerSecond: number; latencyP95Ms: number };
  paced: { ratePerSecond: number; latencyP50Ms: number; latencyP95Ms: number; latencyP99Ms: number };
  deltasDroppedForSlowClients: number;
  /** Absent in files from before session 5. */
  memory?: { loadedRssMiB: number; loadedHeapAfterGcMiB: number; clientsConnectedHeapAfterGcMiB: number; afterRunsHeapAfterGcMiB: number };
}

/** extension/tree/bench.ts's output: one debounced tree update of the extension host. */
export interface TreeFigures {
  nodes: number;
  firstBuildMs: number;
  updateOneNodeMedianMs: number;
  updateGroupChangeMedianMs: number;
  update50NodesMedianMs: number;
}

export interface SummaryInput {
  plan: Plan;
  rollouts: RolloutResult[];
  idle: Record<string, IdleFigures>;
  apiPerAgent: Record<string, number>;
  hub: HubFigures | string | null;
  missing: Record<string, string>;
  settingsNotes: string[];
  tree?: TreeFigures | string | null;
  /** How the nodemend agents were run: program and node options (the image's, then per variant). */
  agentCommand?: { program: string; envNodeOptions: string; variants: string[] };
}

const variantName = (v: string | undefined): string => (v === undefined || v === '' ? 'as shipped' : v);

const sec = (ms: number) => ms / 1000;
const pick = (o: Record<string, number | undefined>, k: string): number | null => o[k] ?? null;

export function summarize(i: SummaryInput): Measurement[] {
  const { plan, rollouts } = i;
  const p0 = plan.kuredPeriods[0];
  const out: Measurement[] = [];
  const missingNotes = Object.entries(i.missing).map(([k, v]) => `${k}: ${v}`);
  const base = { n: plan.nodes, settings: { rebootSeconds: plan.rebootSeconds, lockReleaseDelay: 0, reps: plan.reps } };
  const runs = (sys: string, c?: number, p?: number) =>
    rollouts.filter((r) => r.system === sys && (c === undefined || r.settings.concurrency === c) && (p === undefined || r.settings.periodSeconds === p));
  const wall = (rs: RolloutResult[]): number | null => (rs.length && rs.every((r) => r.completed) ? median(rs.map((r) => sec(r.wallMs))) : null);

  for (const c of plan.concurrencies) {
    // The ideal is the unavoidable work (drain + reboot + verification) of nodemend's runs,
    // spread over the slots; Kured's own work is used when nodemend did not run.
    const ref = runs('nodemend', c, p0).length ? runs('nodemend', c, p0) : runs('kured', c, p0);
    const ideal = ref.length ? median(ref.map((r) => sec(idealMs(nodeWork(r.events), c)))) : null;
    for (const p of plan.kuredPeriods) {
      const nm = wall(runs('nodemend', c, p0));
      const ku = wall(runs('kured', c, p));
      const safety = [...runs('nodemend', c, p0), ...runs('kured', c, p)].map((r) => `${r.system}: at most ${maxConcurrentCordoned(r.events)} nodes cordoned at once (allowed ${c})${r.completed ? '' : '; DID NOT FINISH'}`);
      out.push(measurement({
        id: `rollout-c${c}-p${p}`, what: `rollout wall time, concurrency ${c}, Kured --period=${p}s`, units: 's', nodemend: nm, kured: ku, ...base,
        settings: { ...base.settings, concurrency: c, kuredPeriodSeconds: p, nodemendPeriodSeconds: p0 },
        notes: [`ideal ${round(ideal, 1)} s (drain + reboot + verification / concurrency)`,
          `nodemend / ideal: ${ideal && nm ? round(nm / ideal, 2) : 'n/a'}; Kured / ideal: ${ideal && ku ? round(ku / ideal, 2) : 'n/a'}`, ...safety, ...missingNotes, ...i.settingsNotes],
      }));
    }
  }
  const pooled = (sys: string, f: (r: RolloutResult) => number[]) => runs(sys, undefined, sys === 'kured' ? p0 : undefined).flatMap(f);
  for (const [id, what, f] of [['handoff', 'lock handoff (release -> next drain starts)', (r: RolloutResult) => handoffs(r.events)], ['detection', 'detection (sentinel -> lock requested)', (r: RolloutResult) => detections(r.events)]] as const) {
    const nm = pooled('nodemend', f).map(sec);
    const ku = pooled('kured', f).map(sec);
    for (const p of [50, 95]) {
      out.push(measurement({
        id: `${id}-p${p}`, what: `${what} p${p}`, units: 's', nodemend: nm.length ? percentile(nm, p) : null, kured: ku.length ? percentile(ku, p) : null, ...base,
        settings: { ...base.settings, kuredPeriodSeconds: p0 }, notes: [`samples: nodemend ${nm.length}, Kured ${ku.length}`, ...missingNotes],
      }));
    }
  }
  // nodemend's footprint rows use the first variant (the shipped command line unless told
  // otherwise); with several variants each gets its own rows, measured side by side.
  const variants = i.agentCommand?.variants ?? [''];
  const ofVariant = <T extends { variant?: string }>(k: string, xs: T[], v: string): T[] => (k === 'nodemend' && variants.length > 1 ? xs.filter((x) => (x.variant ?? '') === v) : xs);
  const idleAgents = (k: string, v: string) => ofVariant(k, i.idle[k]?.perAgent ?? [], v);
  const idleFig = (k: string, v: string, f: 'rssKb' | 'cpuPercent'): number | undefined => {
    const a = idleAgents(k, v);
    if (a.length) return f === 'rssKb' ? median(a.map((x) => x.rssKb)) / 1024 : a.reduce((x, y) => x + y.cpuPercent, 0) / a.length;
    if (!i.idle[k]) return undefined;
    return f === 'rssKb' ? i.idle[k].rssKb / 1024 : i.idle[k].cpuPercent;
  };
  const drainsOf = (k: string, v: string) => ofVariant(k, runs(k).flatMap((r) => r.drains), v);
  const drainRss = (k: string, v: string) => { const d = drainsOf(k, v); return d.length ? median(d.map((x) => x.rssKbMax / 1024)) : undefined; };
  const drainCpu = (k: string, v: string) => { const d = drainsOf(k, v); return d.length ? median(d.map((x) => x.cpuPercent)) : undefined; };
  const cmd = i.agentCommand;
  for (const [vi, v] of variants.entries()) {
    const suffix = variants.length > 1 ? ` [${variantName(v)}]` : '';
    const idSuffix = variants.length > 1 && vi > 0 ? `@${vi}` : '';
    const settings = { ...base.settings, idleSeconds: plan.idleSeconds, ...(cmd ? { nodemendProgram: cmd.program, nodemendNodeOptions: [cmd.envNodeOptions, v].filter((x) => x !== '').join(' ') } : {}) };
    const counts = (k: string) => {
      const a = k === 'nodemend' ? idleAgents(k, v) : (i.idle[k]?.perAgent ?? []);
      const anon = a.filter((x) => x.rssAnonKb !== undefined).map((x) => x.rssAnonKb! / 1024);
      return `${k}: ${a.length} idle agents, ${drainsOf(k, v).length} drains${anon.length ? `; idle RssAnon (own allocations, without the binary's file pages) median ${round(median(anon), 1)} MiB` : ''}`;
    };
    const fp = (id: string, what: string, units: string, f: (k: string) => number | undefined) =>
      out.push(measurement({ id: id + idSuffix, what: what + suffix, units, nodemend: pick({ v: f('nodemend') }, 'v'), kured: pick({ v: f('kured') }, 'v'), ...base, settings, notes: [counts('nodemend'), counts('kured'), ...missingNotes] }));
    fp('rss-idle', 'agent RSS at idle (median over agents)', 'MiB', (k) => idleFig(k, v, 'rssKb'));
    fp('cpu-idle', 'agent CPU at idle (mean over agents)', '% of a core', (k) => idleFig(k, v, 'cpuPercent'));
    fp('rss-drain', 'agent RSS while draining (median of per-drain max)', 'MiB', (k) => drainRss(k, v));
    fp('cpu-drain', 'agent CPU while draining (median per drain)', '% of a core', (k) => drainCpu(k, v));
  }
  out.push(measurement({
    id: 'api-idle', what: 'API requests per agent per hour, idle', units: 'req/agent/h', nodemend: pick(i.apiPerAgent, 'nodemend'), kured: pick(i.apiPerAgent, 'kured'), ...base,
    settings: { ...base.settings, idleSeconds: plan.idleSeconds, periodSeconds: p0 },
    notes: [...apiNotes(i.idle), ...missingNotes],
  }));
  if (i.hub && typeof i.hub !== 'string') {
    const h = i.hub;
    const hubRow = (id: string, what: string, units: string, v: number) =>
      out.push(measurement({ id, what, units, nodemend: v, kured: null, n: h.nodes, settings: { clients: h.clients }, notes: ['Kured has no hub or UI'] }));
    hubRow('hub-throughput', `hub fan-out to ${h.clients} clients`, 'events/s', h.throughput.eventsPerSecond);
    hubRow('hub-latency-p95', `hub delivery latency p95 at ${h.paced.ratePerSecond}/s`, 'ms', h.paced.latencyP95Ms);
    hubRow('hub-snapshot', 'hub snapshot size per node', 'bytes', h.snapshotBytesPerNode);
    if (h.memory) {
      hubRow('hub-rss', 'hub RSS, nodes loaded, no client', 'MiB', h.memory.loadedRssMiB);
      hubRow('hub-heap', 'hub JS heap after GC, after the runs (journal full)', 'MiB', h.memory.afterRunsHeapAfterGcMiB);
    }
  } else if (typeof i.hub === 'string') {
    out.push(measurement({ id: 'hub-throughput', what: 'hub fan-out', units: 'events/s', nodemend: null, kured: null, n: 0, settings: {}, notes: [i.hub] }));
  }
  if (i.tree && typeof i.tree !== 'string') {
    const t = i.tree;
    const treeRow = (id: string, what: string, v: number) =>
      out.push(measurement({ id, what, units: 'ms', nodemend: v, kured: null, n: t.nodes, settings: { rounds: 200, source: 'extension/tree/bench.ts' },
        notes: ['extension host work per debounced hub update: rebuild the tree model, diff, decide what to repaint (VS Code repaint on top); Kured has no UI'] }));
    treeRow('tree-update-one', `extension tree update, 1 node changed, ${t.nodes}-node tree (median)`, t.updateOneNodeMedianMs);
    treeRow('tree-update-group', `extension tree update, 1 node changes group, ${t.nodes}-node tree (median)`, t.updateGroupChangeMedianMs);
    treeRow('tree-update-50', `extension tree update, 50 nodes changed, ${t.nodes}-node tree (median)`, t.update50NodesMedianMs);
    treeRow('tree-first-build', `extension tree first build, ${t.nodes} nodes`, t.firstBuildMs);
  } else if (typeof i.tree === 'string') {
    out.push(measurement({ id: 'tree-update-one', what: 'extension tree update', units: 'ms', nodemend: null, kured: null, n: 0, settings: {}, notes: [i.tree] }));
  }
  return out;
}

/** How each API figure was counted, and what the requests were (the audit log's breakdown). */
function apiNotes(idle: Record<string, IdleFigures>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(idle)) {
    const a = v.audit;
    if (!a) {
      out.push(`${k}: apiserver_request_total delta with the agents running minus the control plane alone, per agent, scaled to an hour (no audit log)`);
      continue;
    }
    const agents = v.perAgent?.length ?? 0;
    const top = Object.entries(a.byVerbResource).slice(0, 6).map(([w, n]) => `${w} ${n}`).join(', ');
    out.push(`${k}: ${a.requests} requests by ${a.user} (${agents} agents) in ${Math.round(a.seconds)} s, counted in the API server's audit log: ${top || 'none'}`);
  }
  return out;
}

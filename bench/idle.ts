// Idle measurements: API requests per agent per hour (from the API server's own
// apiserver_request_total, minus the control plane's own background traffic measured with no
// agent running) and the agents' resident memory and CPU while nothing needs a reboot.

import type { TestCluster } from '../tools/harness/index.ts';
import type { AgentProc } from './sut.ts';
import { cpuPercent, sample, type ProcSample } from './procs.ts';
import { median, sumMetric } from './stats.ts';
import { auditOffset, countAudit, readAuditFrom, type AuditCount } from './audit.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Total requests the API server has served so far (every verb, resource and code). */
export async function requestTotal(c: TestCluster): Promise<number> {
  const r = await c.kubectl(['get', '--raw', '/metrics']);
  if (r.code !== 0) throw new Error(`reading the API server's /metrics: ${r.stderr}`);
  return sumMetric(r.stdout, 'apiserver_request_total');
}

export interface RequestRate { requests: number; seconds: number; perHour: number }

/** Requests per hour over `ms`, whatever is running. */
export async function requestRate(c: TestCluster, ms: number): Promise<RequestRate> {
  const a = await requestTotal(c);
  const t = Date.now();
  await sleep(ms);
  const b = await requestTotal(c);
  const seconds = (Date.now() - t) / 1000;
  return { requests: b - a, seconds, perHour: ((b - a) / seconds) * 3600 };
}

export interface IdleFigures {
  rate: RequestRate;
  /** Median over all agents. */
  rssKb: number;
  /** Mean over all agents, percent of one core. */
  cpuPercent: number;
  /** The agents' own requests in the same interval, from the audit log (by their ServiceAccount). */
  audit?: AuditCount & { user: string; seconds: number; perAgentPerHour: number };
  /** Every agent's own figures (variant: its node options, for footprint experiments). */
  perAgent?: { node: string; variant?: string; rssKb: number; rssAnonKb?: number; cpuPercent: number }[];
}

/** Measures the API request rate and every agent's footprint over the same interval. */
export async function measureIdle(c: TestCluster, procs: readonly AgentProc[], ms: number, apiUser?: string): Promise<IdleFigures> {
  const first = new Map<number, ProcSample>();
  for (const p of procs) first.set(p.pid, sample(p.pid));
  const log = c.cp.info.auditLogPath;
  const offset = log ? auditOffset(log) : 0;
  const from = Date.now();
  const rate = await requestRate(c, ms);
  const to = Date.now();
  let audit: IdleFigures['audit'];
  if (log && apiUser) {
    // Requests received in the window are all written once it ends (a watch: when it starts).
    await sleep(1000);
    const n = countAudit(readAuditFrom(log, offset), apiUser, from, to);
    audit = { ...n, user: apiUser, seconds: (to - from) / 1000, perAgentPerHour: (n.requests / Math.max(1, procs.length)) * (3_600_000 / (to - from)) };
  }
  const perAgent: NonNullable<IdleFigures['perAgent']> = [];
  for (const p of procs) {
    const s = sample(p.pid);
    perAgent.push({ node: p.node, ...(p.variant !== undefined ? { variant: p.variant } : {}), rssKb: s.rssKb, rssAnonKb: s.rssAnonKb, cpuPercent: cpuPercent(first.get(p.pid)!, s) });
  }
  return { rate, ...(audit ? { audit } : {}), ...footprintOf(perAgent), perAgent };
}

/** Median RSS and mean CPU over a set of agents. */
export function footprintOf(agents: readonly { rssKb: number; cpuPercent: number }[]): { rssKb: number; cpuPercent: number } {
  return { rssKb: median(agents.map((a) => a.rssKb)), cpuPercent: agents.reduce((x, a) => x + a.cpuPercent, 0) / Math.max(1, agents.length) };
}

/** Requests per agent per hour attributable to the agents. */
export function perAgentPerHour(withAgents: RequestRate, baseline: RequestRate, agents: number): number {
  return Math.max(0, withAgents.perHour - baseline.perHour) / agents;
}

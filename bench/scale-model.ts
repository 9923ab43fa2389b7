// Pure parts of the scale bench (bench/scale.ts): the log-log slope, one `scale` row of
// results.json, what a window of the audit log says about writes and the agents' requests, how
// many watch events went to the agents, and the model of Kured on the same rollout. No I/O here,
// so every figure the scale bench reports can be unit-tested.

import { percentile, sumMetric, parseLabels } from './stats.ts';

/** Least-squares fit of log(y) = a + slope·log(x): y grows as x^slope. Needs two distinct x > 0
 *  and every y > 0 (a zero cost has no logarithm: the caller leaves such a figure out). */
export function logLogSlope(points: readonly (readonly [number, number])[]): { slope: number; coefficient: number } {
  if (points.length < 2) throw new Error(`a slope needs at least 2 points, got ${points.length}`);
  for (const [x, y] of points) if (!(x > 0 && y > 0)) throw new Error(`log-log fit: every x and y must be > 0, got (${x}, ${y})`);
  const lx = points.map(([x]) => Math.log(x));
  const ly = points.map(([, y]) => Math.log(y));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < lx.length; i++) {
    sxx += (lx[i] - mx) ** 2;
    sxy += (lx[i] - mx) * (ly[i] - my);
  }
  if (sxx === 0) throw new Error('a slope needs at least 2 distinct x');
  const slope = sxy / sxx;
  return { slope, coefficient: Math.exp(my - slope * mx) };
}

/** The resources whose watch events the agents receive. */
export const WATCHED = ['leases', 'daemonsets', 'nodes'] as const;
export type Watched = (typeof WATCHED)[number];

/** One measured N: a `scale` row of bench/results.json. */
export interface ScaleRow {
  system: 'nodemend';
  source: 'measured';
  n: number;
  concurrency: number;
  periodSeconds: number;
  rebootSeconds: number;
  completed: boolean;
  rolloutSeconds: number;
  /** Requests of the agents' ServiceAccount during the rollout (audit log), and by "verb resource". */
  agentRequests: number;
  agentRequestsByKind: Record<string, number>;
  /** Agent requests while idle, per agent per hour (audit log over the idle window). */
  idleRequestsPerAgentHour: number;
  /** Watch events and bytes the API server sent to the agents during the rollout, by resource. */
  eventsToAgents: Record<Watched, number>;
  bytesToAgents: number;
  /** API server and etcd CPU seconds of the rollout, the control plane's own baseline rate taken off. */
  apiServerCpuSeconds: number;
  etcdCpuSeconds: number;
  /** CPU seconds of the one process running all N agents (and the simulated kubelets). */
  agentsCpuSeconds: number;
  /** Lock handoffs: a release to the next node's cordon, seconds. */
  handoffP50Seconds: number | null;
  handoffP95Seconds: number | null;
  /** Requests plus events: the API work the agents cause. */
  apiWork: number;
  /** When this N was measured (rows of several runs are merged by N). */
  measuredAt?: string;
  /** The machine's 1-minute load average while this N ran (others share it). */
  load?: string;
  /** Cross-check of the audit log: all requests it holds for the window, all requests by
   *  /metrics (apiserver_request_total less the baseline rate), and audit events the API server
   *  says it could not write (apiserver_audit_error_total). */
  auditCheck?: { audited: number; byMetrics: number; auditErrors: number };
}

export function scaleRow(r: Omit<ScaleRow, 'system' | 'source' | 'apiWork' | 'handoffP50Seconds' | 'handoffP95Seconds'> & { handoffsMs: readonly number[] }): ScaleRow {
  const { handoffsMs, ...rest } = r;
  const events = WATCHED.reduce((a, k) => a + r.eventsToAgents[k], 0);
  const q = (p: number) => (handoffsMs.length ? Math.round(percentile(handoffsMs, p)) / 1000 : null);
  return { system: 'nodemend', source: 'measured', ...rest, handoffP50Seconds: q(50), handoffP95Seconds: q(95), apiWork: r.agentRequests + events };
}

/** A slope row: how one figure grows with N over the measured rows. */
export interface SlopeRow { system: string; figure: string; slope: number; coefficient: number; ns: number[] }

export function slopeRows(system: string, rows: readonly { n: number }[], figures: Record<string, (r: never) => number>): SlopeRow[] {
  const out: SlopeRow[] = [];
  for (const [figure, get] of Object.entries(figures)) {
    const pts = rows.map((r) => [r.n, (get as (r: unknown) => number)(r)] as const).filter(([, y]) => y > 0);
    if (new Set(pts.map(([x]) => x)).size < 2) continue;
    const { slope, coefficient } = logLogSlope(pts);
    out.push({ system, figure, slope: Math.round(slope * 100) / 100, coefficient: Number(coefficient.toPrecision(3)), ns: pts.map(([x]) => x) });
  }
  return out;
}

// ---- the audit log ----

export interface AuditWindow {
  /** The given user's distinct requests by "verb resource[/subresource]". */
  userByKind: Record<string, number>;
  userRequests: number;
  /** Distinct requests of anyone. */
  allRequests: number;
  /** Distinct writes (create, update, patch, delete) by anyone, by resource; leases only in `leaseNamespace`. */
  writes: Record<Watched, number>;
}

const WRITES = new Set(['create', 'update', 'patch', 'delete']);

/** One pass over audit JSON lines received in [fromMs, toMs); several texts (the log and its
 *  rotated parts) are counted as one, a request seen in two of them once. */
export function auditWindow(texts: string | readonly string[], user: string, leaseNamespace: string, fromMs: number, toMs: number): AuditWindow {
  const seen = new Set<string>();
  const by: Record<string, number> = {};
  const writes: Record<Watched, number> = { leases: 0, daemonsets: 0, nodes: 0 };
  let userRequests = 0;
  let allRequests = 0;
  for (const line of (typeof texts === 'string' ? [texts] : texts).flatMap((t) => t.split('\n'))) {
    if (line === '') continue;
    let e: { auditID?: string; verb?: string; requestURI?: string; requestReceivedTimestamp?: string; user?: { username?: string }; objectRef?: { resource?: string; subresource?: string; namespace?: string } };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof e.auditID !== 'string' || seen.has(e.auditID)) continue;
    const t = Date.parse(e.requestReceivedTimestamp ?? '');
    if (!(t >= fromMs && t < toMs)) continue;
    seen.add(e.auditID);
    allRequests++;
    const r = e.objectRef;
    const res = r?.resource ?? '';
    if (WRITES.has(e.verb ?? '') && (res === 'daemonsets' || res === 'nodes' || (res === 'leases' && r?.namespace === leaseNamespace))) writes[res as Watched]++;
    if (e.user?.username !== user) continue;
    userRequests++;
    const what = res ? `${res}${r?.subresource ? `/${r.subresource}` : ''}` : (e.requestURI ?? '?').split('?')[0];
    const k = `${e.verb ?? '?'} ${what}`;
    by[k] = (by[k] ?? 0) + 1;
  }
  const userByKind = Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return { userByKind, userRequests, allRequests, writes };
}

// ---- the API server's /metrics ----

/** Watch events and their bytes sent, by resource, and open watches (a gauge), from /metrics text. */
export interface WatchFigures { events: Record<Watched, number>; bytes: Record<Watched, number>; watchers: Record<Watched, number>; requests: number; auditErrors: number }

export function watchFigures(metrics: string): WatchFigures {
  const per = (name: string): Record<Watched, number> => {
    const out: Record<Watched, number> = { leases: 0, daemonsets: 0, nodes: 0 };
    for (const line of metrics.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const m = /^[^{]+\{(.*)\}\s+(\S+)/.exec(line);
      if (!m) continue;
      const l = parseLabels(m[1]);
      // Kubernetes labels this by resource (1.30+); older versions by kind.
      const res = (l.resource ?? l.kind ?? '').toLowerCase();
      const key = WATCHED.find((w) => w === res || `${w}` === `${res}s`);
      if (!key) continue;
      if (name === 'apiserver_longrunning_requests' && l.verb !== 'WATCH') continue;
      out[key] += Number(m[2]);
    }
    return out;
  };
  return {
    events: per('apiserver_watch_events_total'),
    bytes: per('apiserver_watch_events_sizes_sum'),
    watchers: per('apiserver_longrunning_requests'),
    requests: sumMetric(metrics, 'apiserver_request_total'),
    auditErrors: sumMetric(metrics, 'apiserver_audit_error_total'),
  };
}

/**
 * Events (or bytes) the agents received for one resource over a window of `seconds`: all sent,
 * minus the control plane's steady rate (the baseline, without agents), minus the copies the
 * control plane's own watchers got of the writes above that steady rate.
 */
export function toAgents(o: { sent: number; baselineRate: number; seconds: number; cpWatchers: number; writes: number; baselineWriteRate: number; perEvent?: number }): number {
  const extraWrites = Math.max(0, o.writes - o.baselineWriteRate * o.seconds);
  return Math.max(0, Math.round(o.sent - o.baselineRate * o.seconds - o.cpWatchers * extraWrites * (o.perEvent ?? 1)));
}

// ---- Kured, modelled ----

/** API server CPU per operation with a kept-alive connection (client-go), ms: scale.md's calibration. */
export const KEPT_ALIVE_MS = { getNode: 0.35, getDaemonSet: 0.41, update: 1.65 };

export interface KuredModel { n: number; periodSeconds: number; concurrency: number; holdSeconds: number; rolloutSeconds: number; requests: number; apiServerCpuSeconds: number }

/**
 * Kured 51220cc on one rollout, from its loop (`rebootAsRequired`, `pkg/daemonsetlock`): every
 * `period` each node still to reboot reads its Node and the lock DaemonSet twice (3 requests); if
 * a slot is free it takes it (1 update) and then spends `holdSeconds` draining, rebooting and
 * releasing, about 15 requests more. Kured opens no watch. First ticks are spread evenly over
 * one period (Kured jitters them). Returns the rollout's length and its requests.
 */
export function kuredModel(o: { n: number; periodSeconds: number; concurrency: number; holdSeconds: number; perNodeRequests?: number }): KuredModel {
  const { n, periodSeconds: p, concurrency: c, holdSeconds: h } = o;
  const perNode = o.perNodeRequests ?? 15;
  const slots: number[] = Array.from({ length: c }, () => 0); // when each slot is free again
  let ticks = 0;
  let end = 0;
  // Ticks come in order of time: node i ticks at (i + 0.5) / n · p + k · p.
  let pending = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; pending.length > 0; k++) {
    const still: number[] = [];
    for (const i of pending) {
      const t = ((i + 0.5) / n) * p + k * p;
      ticks++;
      const s = slots.findIndex((free) => free <= t);
      if (s < 0) {
        still.push(i);
        continue;
      }
      slots[s] = t + h;
      end = Math.max(end, t + h);
    }
    pending = still;
  }
  const requests = ticks * 3 + n * (1 + perNode);
  const cpuMs = ticks * (KEPT_ALIVE_MS.getNode + 2 * KEPT_ALIVE_MS.getDaemonSet) + n * (KEPT_ALIVE_MS.update + perNode * KEPT_ALIVE_MS.getNode);
  return { n, periodSeconds: p, concurrency: c, holdSeconds: h, rolloutSeconds: Math.round(end), requests, apiServerCpuSeconds: Math.round(cpuMs) / 1000 };
}

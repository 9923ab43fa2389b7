// Pure statistics and parsers for the benchmark: percentiles, Prometheus text, /proc files,
// and the timeline analysis that turns observed cluster events into handoff/detection figures.
// No I/O here, so every number the bench reports can be unit-tested.

/** Percentile by linear interpolation between closest ranks (p in [0, 100]); NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/** nodemend / Kured; null when either side is missing or the divisor is zero. */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

export function round(x: number | null, digits = 2): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Sums every sample of `name` in Prometheus text exposition whose labels all match `where`. */
export function sumMetric(text: string, name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = parseLabels(m[3] ?? '');
    if (Object.entries(where).every(([k, v]) => labels[k] === v)) total += Number(m[4]);
  }
  return total;
}

export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

/** Resident set size in KiB from /proc/<pid>/status. */
export function parseRssKb(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('VmRSS not found in /proc/<pid>/status');
  return Number(m[1]);
}

/** RssAnon (heap, stacks: what the process itself allocated) in kB; VmRSS also counts the
 *  file-backed pages of its binary and libraries (RssFile), which the kernel can reclaim. */
export function parseRssAnonKb(status: string): number {
  const m = /^RssAnon:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('RssAnon not found in /proc/<pid>/status');
  return Number(m[1]);
}

/** utime + stime in clock ticks from /proc/<pid>/stat. The command name may hold spaces and
 *  parentheses, so fields are counted after the LAST ')'. */
export function parseCpuTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('malformed /proc/<pid>/stat');
  return utime + stime;
}

// ---- timelines ----

export type EventKind = 'sentinel' | 'request' | 'lock' | 'cordon' | 'reboot' | 'ready' | 'uncordon' | 'release';
export interface TimelineEvent {
  node: string;
  kind: EventKind;
  /** Epoch ms. */
  t: number;
}

/** For each lock release, the time until the next cordon (drain start) of a different node that
 *  happens after it. Releases with no later cordon (the end of the rollout) give no sample. */
export function handoffs(events: readonly TimelineEvent[]): number[] {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  const cordons = sorted.filter((e) => e.kind === 'cordon');
  const used = new Set<TimelineEvent>();
  const out: number[] = [];
  for (const r of sorted.filter((e) => e.kind === 'release')) {
    const next = cordons.find((c) => c.t >= r.t && c.node !== r.node && !used.has(c));
    if (!next) continue;
    used.add(next);
    out.push(next.t - r.t);
  }
  return out;
}

/** Per node: the first `kind` event (default: the lock request) at or after its first sentinel,
 *  minus the sentinel time. */
export function detections(events: readonly TimelineEvent[], kind: EventKind = 'request'): number[] {
  const out: number[] = [];
  for (const node of new Set(events.map((e) => e.node))) {
    const mine = events.filter((e) => e.node === node).sort((a, b) => a.t - b.t);
    const s = mine.find((e) => e.kind === 'sentinel');
    const l = s && mine.find((e) => e.kind === kind && e.t >= s.t);
    if (s && l) out.push(l.t - s.t);
  }
  return out;
}

export interface NodeWork {
  node: string;
  drainMs: number;
  rebootMs: number;
  verifyMs: number;
}

/** The unavoidable work per node: drain (cordon -> reboot command), reboot (command -> Ready),
 *  verification (Ready -> uncordon). Nodes without a complete cycle are left out. */
export function nodeWork(events: readonly TimelineEvent[]): NodeWork[] {
  const out: NodeWork[] = [];
  for (const node of new Set(events.map((e) => e.node))) {
    const mine = events.filter((e) => e.node === node).sort((a, b) => a.t - b.t);
    const cordon = mine.find((e) => e.kind === 'cordon');
    const reboot = cordon && mine.find((e) => e.kind === 'reboot' && e.t >= cordon.t);
    const ready = reboot && mine.find((e) => e.kind === 'ready' && e.t >= reboot.t);
    const unc = ready && mine.find((e) => e.kind === 'uncordon' && e.t >= ready.t);
    if (cordon && reboot && ready && unc) out.push({ node, drainMs: reboot.t - cordon.t, rebootMs: ready.t - reboot.t, verifyMs: unc.t - ready.t });
  }
  return out.sort((a, b) => a.node.localeCompare(b.node, undefined, { numeric: true }));
}

/** Ideal rollout wall time: total work spread perfectly over `concurrency` slots. */
export function idealMs(work: readonly NodeWork[], concurrency: number): number {
  const sum = work.reduce((a, w) => a + w.drainMs + w.rebootMs + w.verifyMs, 0);
  return sum / concurrency;
}

/** Most simultaneous holders of a cordon (cordon..uncordon intervals); a safety check. */
export function maxConcurrentCordoned(events: readonly TimelineEvent[]): number {
  const deltas = events
    .filter((e) => e.kind === 'cordon' || e.kind === 'uncordon')
    .map((e) => ({ t: e.t, d: e.kind === 'cordon' ? 1 : -1 }))
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let cur = 0;
  let max = 0;
  for (const x of deltas) {
    cur += x.d;
    max = Math.max(max, cur);
  }
  return max;
}

/** The JSON document a child printed on stdout: all of it (pretty-printed), else its last line
 *  (after log lines). Throws when neither parses. */
export function lastJson(out: string): unknown {
  const t = out.trim();
  try {
    return JSON.parse(t);
  } catch {
    return JSON.parse(t.split('\n').pop() ?? '');
  }
}

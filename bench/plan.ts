// What a bench run does, from the command line: the quick run (< 10 minutes) or the full one.

export type SystemName = 'nodemend' | 'kured';

export interface Plan {
  quick: boolean;
  nodes: number;
  rebootSeconds: number;
  reps: number;
  /** Repetitions of each nodemend rollout (cheap: about 2 minutes at 20 nodes); default `reps`. */
  nodemendReps: number;
  idleSeconds: number;
  /** Rollouts: concurrency x Kured period; nodemend runs each concurrency with the first period. */
  concurrencies: number[];
  kuredPeriods: number[];
  /** Which systems to run. */
  systems: SystemName[];
  /** Rollouts left out, as `kured-c1-p60` / `nodemend-c2-p10` keys. */
  skip: string[];
  /** Per rollout, give up after this. */
  rolloutTimeoutMinutes: number;
  /** Wall-clock time (local HH:MM) by which the run must end: no rollout starts after it, and a
   *  running rollout is cut at it (and reported as unfinished). */
  deadline: string | null;
  /** Node/V8 options of the nodemend agents, one entry per variant; agents are assigned to the
   *  variants round-robin (node i gets variant i mod V), so variants are measured side by side
   *  on the same cluster at the same time. "" = the shipped command line. */
  nodeOptions: string[];
  hub: { nodes: number; clients: number } | null;
  /** Extension tree-update timing over this many nodes (extension/tree/bench.ts), or null. */
  treeNodes: number | null;
  out: string;
  /** Keep the work directory (agent logs, sentinels) instead of deleting it at the end. */
  keep: boolean;
}

/** Agent command-line options used when none are given: what Dockerfile and deploy/ ship. */
export const DEFAULT_NODE_OPTIONS = '';

export const rolloutKey = (system: string, concurrency: number, period: number): string => `${system}-c${concurrency}-p${period}`;

export function parsePlan(argv: readonly string[]): Plan {
  const quick = argv.includes('--quick');
  const common = { systems: ['nodemend', 'kured'] as SystemName[], skip: [] as string[], deadline: null, nodeOptions: [DEFAULT_NODE_OPTIONS], keep: false };
  const plan: Plan = quick
    ? { quick, nodes: 4, rebootSeconds: 5, reps: 1, nodemendReps: 0, idleSeconds: 45, concurrencies: [2], kuredPeriods: [10], rolloutTimeoutMinutes: 8, hub: { nodes: 500, clients: 10 }, treeNodes: 2000, out: 'bench/results.json', ...common }
    : { quick, nodes: 20, rebootSeconds: 5, reps: 1, nodemendReps: 0, idleSeconds: 300, concurrencies: [1, 2], kuredPeriods: [10, 60], rolloutTimeoutMinutes: 60, hub: { nodes: 2000, clients: 50 }, treeNodes: 2000, out: 'bench/results.json', ...common };
  for (const a of argv) {
    if (a === '--quick') continue;
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
    if (!m) throw new Error(`unknown argument "${a}"; use --quick or the flags listed in bench/plan.ts`);
    const [, k, v = ''] = m;
    const num = (min: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`--${k}: expected an integer >= ${min}, got "${v}"`);
      return n;
    };
    const list = (): number[] => v.split(',').map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${k}: expected positive integers separated by commas, got "${v}"`);
      return n;
    });
    if (k === 'nodes') plan.nodes = num(2);
    else if (k === 'reboot-seconds') plan.rebootSeconds = num(1);
    else if (k === 'reps') plan.reps = num(1);
    else if (k === 'nodemend-reps') plan.nodemendReps = num(1);
    else if (k === 'idle-seconds') plan.idleSeconds = num(10);
    else if (k === 'concurrency') plan.concurrencies = list();
    else if (k === 'kured-periods') plan.kuredPeriods = list();
    else if (k === 'systems') {
      const s = v.split(',');
      if (s.length === 0 || s.some((x) => x !== 'nodemend' && x !== 'kured')) throw new Error(`--systems: expected nodemend and/or kured separated by commas, got "${v}"`);
      plan.systems = s as SystemName[];
    } else if (k === 'skip') {
      const s = v.split(',').filter((x) => x !== '');
      for (const x of s) if (!/^(nodemend|kured)-c\d+-p\d+$/.test(x)) throw new Error(`--skip: expected keys like kured-c1-p60, got "${x}"`);
      plan.skip = s;
    } else if (k === 'deadline') {
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(v)) throw new Error(`--deadline: expected local time HH:MM, got "${v}"`);
      plan.deadline = v;
    } else if (k === 'node-options') {
      // Variants separated by ";", e.g. --node-options=";--max-semi-space-size=1;--jitless".
      plan.nodeOptions = v.split(';').map((x) => x.trim());
    } else if (k === 'no-hub') plan.hub = null;
    else if (k === 'no-tree') plan.treeNodes = null;
    else if (k === 'keep') plan.keep = true;
    else if (k === 'out' && v) plan.out = v;
    else throw new Error(`unknown flag --${k}; see bench/plan.ts for the list`);
  }
  if (plan.nodemendReps === 0) plan.nodemendReps = plan.reps;
  return plan;
}

/** The deadline as epoch milliseconds on the day of `now` (or the next day if already past by
 *  more than 12 hours, i.e. a run started before midnight for a deadline after it). */
export function deadlineMs(deadline: string | null, now: Date): number {
  if (deadline === null) return Infinity;
  const [h, m] = deadline.split(':').map(Number);
  const d = new Date(now);
  d.setHours(h, m, 0, 0);
  if (d.getTime() < now.getTime() - 12 * 3600_000) d.setDate(d.getDate() + 1);
  return d.getTime();
}

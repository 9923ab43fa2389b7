// What a bench run does, from the command line: the quick run (< 10 minutes) or the full one.

export interface Plan {
  quick: boolean;
  nodes: number;
  rebootSeconds: number;
  reps: number;
  idleSeconds: number;
  /** Rollouts: concurrency x Kured period; nodemend runs each concurrency with the first period. */
  concurrencies: number[];
  kuredPeriods: number[];
  /** Per rollout, give up after this. */
  rolloutTimeoutMinutes: number;
  hub: { nodes: number; clients: number } | null;
  out: string;
}

export function parsePlan(argv: readonly string[]): Plan {
  const quick = argv.includes('--quick');
  const plan: Plan = quick
    ? { quick, nodes: 4, rebootSeconds: 5, reps: 1, idleSeconds: 45, concurrencies: [2], kuredPeriods: [10], rolloutTimeoutMinutes: 8, hub: { nodes: 500, clients: 10 }, out: 'bench/results.json' }
    : { quick, nodes: 20, rebootSeconds: 5, reps: 1, idleSeconds: 300, concurrencies: [1, 2], kuredPeriods: [10, 60], rolloutTimeoutMinutes: 60, hub: { nodes: 2000, clients: 50 }, out: 'bench/results.json' };
  for (const a of argv) {
    if (a === '--quick') continue;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument "${a}"; use --quick, --nodes=N, --reboot-seconds=S, --reps=N, --idle-seconds=S, --concurrency=1,2, --kured-periods=10,60, --no-hub, --out=FILE`);
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
    else if (k === 'idle-seconds') plan.idleSeconds = num(10);
    else if (k === 'concurrency') plan.concurrencies = list();
    else if (k === 'kured-periods') plan.kuredPeriods = list();
    else if (k === 'no-hub') plan.hub = null;
    else if (k === 'out' && v) plan.out = v;
    else throw new Error(`unknown flag --${k}; see bench/plan.ts for the list`);
  }
  return plan;
}

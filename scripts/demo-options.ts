// The demo's command line and the one sizing decision it makes, pure so they are unit-tested
// (demo-options.test.ts) without starting a cluster. scripts/demo.ts does the work.

import { parseArgs } from 'node:util';

interface WholeOption {
  default: number;
  min: number;
  max: number;
  help: string;
}

/** Every numeric option: default, range and what it does (the usage text is made from this). */
export const WHOLE_OPTIONS = {
  nodes: { default: 30, min: 3, max: 200, help: 'simulated nodes, spread over zones a, b and c' },
  'needs-reboot': { default: 10, min: 0, max: 200, help: 'nodes that need a reboot at start (at most --nodes)' },
  'reboot-seconds': { default: 30, min: 1, max: 600, help: 'how long a simulated reboot takes' },
  concurrency: { default: 2, min: 1, max: 10, help: 'nodes rebooting at once, cluster-wide (and at most 1 per zone)' },
  'trickle-seconds': { default: 60, min: 0, max: 3600, help: 'every so often another node needs a reboot (0: never); 300 with --real unless given' },
} as const satisfies Record<string, WholeOption>;

type WholeName = keyof typeof WHOLE_OPTIONS;

export interface DemoOptions {
  nodes: number;
  needsReboot: number;
  rebootSeconds: number;
  concurrency: number;
  trickleSeconds: number;
  /** Whether --trickle-seconds was given (--real has its own default). */
  trickleGiven: boolean;
  real: boolean;
}

export type Parsed = { kind: 'run'; options: DemoOptions } | { kind: 'help' } | { kind: 'error'; error: string };

export function usage(): string {
  const rows = (Object.entries(WHOLE_OPTIONS) as [WholeName, WholeOption][]).map(([name, o]) => `  --${`${name} N`.padEnd(20)} ${o.help} (${o.min}-${o.max}, default ${o.default})`);
  return [
    'Usage: ./dev demo [options]',
    '',
    'A local nodemend demo: a real Kubernetes control plane with simulated nodes and workloads behind',
    'PodDisruptionBudgets, the nodemend agents and hub, and VS Code (code-server) with the extension.',
    'Some nodes need a reboot at start, so a rolling reboot begins at once. Ctrl-C stops everything.',
    '',
    'Options:',
    ...rows,
    `  ${'--real'.padEnd(22)} three qemu VMs whose kernels really reboot, instead of simulated nodes (default off)`,
    `  ${'-h, --help'.padEnd(22)} print this help and exit`,
  ].join('\n');
}

/** Parses the demo's arguments; an error is one line naming the option and what it takes. */
export function parseDemoArgs(argv: string[]): Parsed {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(WHOLE_OPTIONS).map((k) => [k, { type: 'string' as const }]));
    ({ values } = parseArgs({ args: argv, options: { ...options, real: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    return { kind: 'error', error: argError(e) };
  }
  if (values.help) return { kind: 'help' };
  const n: Partial<Record<WholeName, number>> = {};
  for (const [name, o] of Object.entries(WHOLE_OPTIONS) as [WholeName, WholeOption][]) {
    const raw = values[name];
    if (raw === undefined) {
      n[name] = o.default;
      continue;
    }
    const v = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(v) || v < o.min || v > o.max) {
      return { kind: 'error', error: `--${name}: expected a whole number from ${o.min} to ${o.max}, got ${JSON.stringify(raw)}` };
    }
    n[name] = v;
  }
  const nodes = n.nodes!;
  if (n['needs-reboot']! > nodes) return { kind: 'error', error: `--needs-reboot: ${n['needs-reboot']} is more than --nodes ${nodes}; give at most ${nodes}` };
  return {
    kind: 'run',
    options: {
      nodes,
      needsReboot: n['needs-reboot']!,
      rebootSeconds: n['reboot-seconds']!,
      concurrency: n.concurrency!,
      trickleSeconds: n['trickle-seconds']!,
      trickleGiven: values['trickle-seconds'] !== undefined,
      real: values.real === true,
    },
  };
}

function argError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const opt = /'(-[^' ]+)/.exec(err.message ?? '')?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt ?? '(?)'}; ./dev demo --help lists the options`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${opt ?? 'an option'}: ${/argument missing/.test(err.message ?? '') ? 'needs a value, e.g. --nodes 12' : 'takes no value'}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message ?? '')?.[1] ?? ''}: the demo takes options only; ./dev demo --help lists them`.replace('  ', ' ');
    default:
      return err.message ?? String(e);
  }
}

/** What a PodDisruptionBudget of the demo says, with the replicas of the workload it guards. */
export interface Budget {
  name: string;
  replicas: number;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

/** Pods a budget lets go at once with every pod healthy; percentages round up, as the disruption controller does. */
export function disruptionsAllowed(b: Budget): number {
  const abs = (v: number | string): number => (typeof v === 'number' ? v : Math.ceil((Number.parseInt(v, 10) / 100) * b.replicas));
  if (b.maxUnavailable !== undefined) return Math.max(0, abs(b.maxUnavailable));
  if (b.minAvailable !== undefined) return Math.max(0, b.replicas - abs(b.minAvailable));
  return b.replicas;
}

/**
 * Budgets that let no pod go: every drain of a node running one of their pods waits forever, and
 * the rollout deadlocks on it. The seeded "api" budget (minAvailable 75%) does below 4 replicas,
 * i.e. on fewer than 13 nodes. The demo relaxes each of these to maxUnavailable 1, as the bench does.
 */
export function deadlockingBudgets(budgets: Budget[]): string[] {
  return budgets.filter((b) => b.replicas > 0 && disruptionsAllowed(b) === 0).map((b) => b.name);
}

// The command line of `kubectl nodemend`, parsed into one typed command or a usage error that
// names the flag and the fix. Pure: the clock and the local zone are passed in, so every rule is
// table-tested. Times use the extension's parser (same forms as its input boxes) and durations the
// project's one syntax (protocol/duration.ts), so "2h" means the same in every tier.

import { parseArgs } from 'node:util';
import { A, parseReason } from '../protocol/annotations.ts';
import { formatDuration, parseDuration } from '../protocol/duration.ts';
import { parseWhen, TIME_FORMS } from '../extension/commands/time-input.ts';

export const OUTPUTS = ['table', 'wide', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];
export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Flags every command takes, as kubectl passes them through to a plugin. */
export interface Global {
  kubeconfig?: string;
  context?: string;
  /** Namespace of the nodemend backend (agent DaemonSet, lock Leases). */
  namespace: string;
  output: Output;
  /** IANA zone in which times are read and shown. */
  zone: string;
}

export type Command =
  | { kind: 'help'; topic?: string }
  | { kind: 'status'; nodes: string[] }
  | { kind: 'schedule'; nodes: string[]; at: number }
  | { kind: 'force'; nodes: string[]; at: number }
  | { kind: 'block'; nodes: string[]; reason: string; until?: number }
  | { kind: 'unblock'; nodes: string[] }
  | { kind: 'cancel'; nodes: string[] }
  | { kind: 'history'; node: string }
  | { kind: 'locks' }
  | { kind: 'pause'; reason: string; until?: number }
  | { kind: 'resume' }
  | { kind: 'completion'; shell: Shell }
  | { kind: 'version' };

export type Parsed = { ok: true; global: Global; cmd: Command } | { ok: false; error: string };

export const COMMANDS = ['status', 'schedule', 'force', 'block', 'unblock', 'cancel', 'history', 'locks', 'pause', 'resume', 'completion', 'version', 'help'] as const;

/** Flags each command accepts besides the global ones (for usage errors and completion). */
export const COMMAND_FLAGS: Record<(typeof COMMANDS)[number], string[]> = {
  status: [],
  schedule: ['--at', '--in'],
  force: ['--yes'],
  block: ['--reason', '--for', '--until'],
  unblock: [],
  cancel: [],
  history: [],
  locks: [],
  pause: ['--reason', '--for', '--until'],
  resume: [],
  completion: [],
  version: [],
  help: [],
};
export const GLOBAL_FLAGS = ['--kubeconfig', '--context', '--namespace', '--output', '--tz', '--help'];

const OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  output: { type: 'string', short: 'o' },
  tz: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  at: { type: 'string' },
  in: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  reason: { type: 'string' },
  for: { type: 'string' },
  until: { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

// Kubernetes names: nodes are DNS subdomains, namespaces DNS labels.
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const fail = (error: string): Parsed => ({ ok: false, error });

export function parse(argv: string[], now: number, localZone: string): Parsed {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] });
  } catch (e) {
    return fail(flagError(e instanceof Error ? e.message : String(e)));
  }
  const [name, ...rest] = positionals;
  if (values.help || name === undefined || name === 'help') return { ok: true, global: defaults(localZone), cmd: { kind: 'help', topic: name === 'help' ? rest[0] : name } };

  const g = global(values, localZone);
  if (!g.ok) return g;
  const cmd = command(name, rest, values, now, g.global.zone);
  if (!cmd.ok) return cmd;
  // A flag another command takes is a mistake here, not something to ignore silently.
  const own = COMMAND_FLAGS[name as keyof typeof COMMAND_FLAGS] ?? [];
  for (const f of ['at', 'in', 'yes', 'reason', 'for', 'until'] as const) {
    if (values[f] !== undefined && !own.includes(`--${f}`)) {
      return fail(`--${f} does not apply to "${name}"${own.length ? `; it takes ${own.join(', ')}` : ''}. See kubectl nodemend ${name} --help.`);
    }
  }
  return { ok: true, global: g.global, cmd: cmd.cmd };
}

function defaults(zone: string): Global {
  return { namespace: 'nodemend', output: 'table', zone };
}

/** parseArgs' messages, said the way the rest of the plugin says things. */
function flagError(msg: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `Unknown flag ${unknown[1]}. See kubectl nodemend --help for the flags.`;
  const noValue = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
  if (noValue) return `${noValue[1]} needs a value, e.g. ${noValue[1]}=${example(noValue[1])}.`;
  return msg.split('\n')[0];
}

function example(flag: string): string {
  return ({ '--at': '02:00', '--in': '2h', '--for': '3h', '--until': '2026-12-24T08:00:00Z', '--reason': '"quarterly close"', '--output': 'wide', '--tz': 'Europe/Berlin', '--namespace': 'nodemend', '--context': '<name>', '--kubeconfig': '<path>' } as Record<string, string>)[flag] ?? '<value>';
}

function global(v: Values, localZone: string): { ok: true; global: Global } | { ok: false; error: string } {
  const g = defaults(localZone);
  if (v.kubeconfig !== undefined) {
    if (!v.kubeconfig.trim()) return { ok: false, error: '--kubeconfig is empty; give a path, or leave the flag out to use $KUBECONFIG or ~/.kube/config.' };
    g.kubeconfig = v.kubeconfig;
  }
  if (v.context !== undefined) {
    if (!v.context.trim()) return { ok: false, error: '--context is empty; give a context name (kubectl config get-contexts lists them).' };
    g.context = v.context;
  }
  if (v.namespace !== undefined) {
    if (!LABEL.test(v.namespace)) return { ok: false, error: `--namespace ${JSON.stringify(v.namespace)} is not a namespace name; give the namespace nodemend runs in (default nodemend).` };
    g.namespace = v.namespace;
  }
  if (v.output !== undefined) {
    if (!(OUTPUTS as readonly string[]).includes(v.output)) return { ok: false, error: `--output ${JSON.stringify(v.output)} is not supported; use one of ${OUTPUTS.join(', ')}.` };
    g.output = v.output as Output;
  }
  if (v.tz !== undefined) {
    if (!validZone(v.tz)) return { ok: false, error: `--tz ${JSON.stringify(v.tz)} is not a time zone; give an IANA name such as Europe/Berlin or UTC.` };
    g.zone = v.tz;
  }
  return { ok: true, global: g };
}

export function validZone(z: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    return z.trim() !== '';
  } catch {
    return false;
  }
}

type Cmd = { ok: true; cmd: Command } | { ok: false; error: string };

function command(name: string, rest: string[], v: Values, now: number, zone: string): Cmd {
  const nodes = (min: number, max = Infinity): { ok: true; names: string[] } | { ok: false; error: string } => {
    if (rest.length < min) return { ok: false, error: `"${name}" needs a node name: kubectl nodemend ${name} NODE${max > 1 ? ' [NODE...]' : ''}.` };
    if (rest.length > max) return { ok: false, error: `"${name}" takes ${max === 0 ? 'no arguments' : `at most ${max} node`}; got ${rest.join(' ')}.` };
    const bad = rest.find((n) => !SUBDOMAIN.test(n) || n.length > 253);
    if (bad !== undefined) return { ok: false, error: `${JSON.stringify(bad)} is not a node name (lower-case letters, digits, "-" and "."); kubectl get nodes lists them.` };
    return { ok: true, names: [...new Set(rest)] };
  };
  switch (name) {
    case 'status': {
      const n = nodes(0);
      return n.ok ? { ok: true, cmd: { kind: 'status', nodes: n.names } } : n;
    }
    case 'schedule': {
      const n = nodes(1);
      if (!n.ok) return n;
      if ((v.at === undefined) === (v.in === undefined)) return { ok: false, error: 'schedule needs exactly one of --at TIME (e.g. --at 02:00 --tz Europe/Berlin, or --at now) or --in DURATION (e.g. --in 2h).' };
      const at = v.at !== undefined ? when('--at', v.at, now, zone) : inFuture('--in', v.in!, now);
      return at.ok ? { ok: true, cmd: { kind: 'schedule', nodes: n.names, at: at.at } } : at;
    }
    case 'force': {
      const n = nodes(1);
      if (!n.ok) return n;
      // A force skips the window and every block; a typo in shell history must not do it unasked.
      if (!v.yes) return { ok: false, error: `force reboots ${n.names.join(', ')} now, outside the reboot window and despite blocks (it still drains and takes a lock slot). Add --yes to confirm.` };
      return { ok: true, cmd: { kind: 'force', nodes: n.names, at: now } };
    }
    case 'block':
    case 'pause': {
      const n = name === 'block' ? nodes(1) : nodes(0, 0);
      if (!n.ok) return n;
      if (v.reason === undefined) return { ok: false, error: `${name} needs --reason, shown to everyone who looks at the ${name === 'block' ? 'node' : 'cluster'} (e.g. --reason "quarterly close").` };
      const r = parseReason('--reason', v.reason);
      if (!r.ok) return r;
      if (v.for !== undefined && v.until !== undefined) return { ok: false, error: `${name} takes --for DURATION or --until TIME, not both.` };
      let until: number | undefined;
      if (v.for !== undefined || v.until !== undefined) {
        const u = v.for !== undefined ? inFuture('--for', v.for, now) : when('--until', v.until!, now, zone);
        if (!u.ok) return u;
        if (u.at <= now) return { ok: false, error: `--until must be in the future; leave it out to ${name} until someone runs ${name === 'block' ? 'unblock' : 'resume'}.` };
        until = u.at;
      }
      const cmd: Command = name === 'block' ? { kind: 'block', nodes: n.names, reason: r.value } : { kind: 'pause', reason: r.value };
      if (until !== undefined) cmd.until = until;
      return { ok: true, cmd };
    }
    case 'unblock':
    case 'cancel': {
      const n = nodes(1);
      return n.ok ? { ok: true, cmd: { kind: name, nodes: n.names } } : n;
    }
    case 'history': {
      const n = nodes(1, 1);
      return n.ok ? { ok: true, cmd: { kind: 'history', node: n.names[0] } } : n;
    }
    case 'locks':
    case 'resume':
    case 'version': {
      const n = nodes(0, 0);
      return n.ok ? { ok: true, cmd: { kind: name } } : n;
    }
    case 'completion': {
      if (rest.length !== 1 || !(SHELLS as readonly string[]).includes(rest[0])) return { ok: false, error: `completion needs a shell: kubectl nodemend completion ${SHELLS.join('|')}.` };
      return { ok: true, cmd: { kind: 'completion', shell: rest[0] as Shell } };
    }
  }
  return { ok: false, error: `Unknown command "${name}"; the commands are ${COMMANDS.join(', ')}.` };
}

/** A point in time typed by a person, in `zone` (the extension's forms). */
function when(flag: string, raw: string, now: number, zone: string): { ok: true; at: number } | { ok: false; error: string } {
  const r = parseWhen(raw, now, zone);
  if (r.ok) return r;
  return { ok: false, error: `${flag}: ${r.error.replace(/ Type a time such as .*$/, '')} Give a time such as ${TIME_FORMS}${flag === '--at' ? ' (or use --in 2h)' : ''}; add --tz to read it in another zone.` };
}

/** now + a duration in the project's syntax (2h, 90m, 1h30m, 1d). */
function inFuture(flag: string, raw: string, now: number): { ok: true; at: number } | { ok: false; error: string } {
  const d = parseDuration(raw);
  if (!d.ok) return { ok: false, error: `${flag}: ${d.error.replace('30s, 10m, 1h30m or 0', '30m, 2h, 1h30m or 1d')}.` };
  if (d.ms > 366 * 86_400_000) return { ok: false, error: `${flag}: ${formatDuration(d.ms)} is more than a year ahead.` };
  return { ok: true, at: now + d.ms };
}

/** The annotations this plugin writes, named in help so a person can do the same with kubectl annotate. */
export const WRITES = { schedule: A.rebootAfter, force: A.forceReboot, block: `${A.block}, ${A.blockUntil}` };

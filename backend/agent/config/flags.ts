// The agent's flags: one table with each flag's name, kind, default and help, and a reader that
// resolves every flag to its raw text(s). Precedence: flag > NODEMEND_<FLAG> > KURED_<FLAG> (only
// for the flags that mean what Kured's do, so a Kured DaemonSet's env carries over) > default.
// Kured lets the environment beat the flag; users find that surprising, so nodemend does not.

export type FlagKind = 'string' | 'bool' | 'list';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  /** Default text; lists default to none. */
  def?: string;
  /** Same name and meaning as Kured's flag: KURED_<FLAG> is read too. */
  kured?: boolean;
  help: string;
}

const F = (name: string, kind: FlagKind, def: string | undefined, help: string, kured = false): FlagSpec => ({ name, kind, def, help, kured });

export const FLAGS: readonly FlagSpec[] = [
  F('node-id', 'string', undefined, 'node this agent manages (env NODE_ID too; the DaemonSet sets it from spec.nodeName)', true),
  F('kubeconfig', 'string', undefined, 'kubeconfig path; default in-cluster service account'),
  // detection
  F('reboot-sentinel', 'string', '/var/run/reboot-required', 'file whose existence means a reboot is needed', true),
  F('reboot-sentinel-command', 'string', '', 'command run in the host mount namespace instead: exit 0 = needed, 1 = not', true),
  F('period', 'string', '1m', 'safety-net re-check of sentinel, blockers and lock (jittered); the file is also watched', true),
  // schedule
  F('reboot-days', 'list', undefined, 'Kured window: weekdays (su, sun, sunday or 0-6; mon-fri)', true),
  F('start-time', 'string', undefined, 'Kured window: start, e.g. 22:00 (default 0:00)', true),
  F('end-time', 'string', undefined, 'Kured window: end, inclusive, wraps past midnight (default 23:59:59)', true),
  F('time-zone', 'string', 'UTC', 'IANA zone of windows that name none', true),
  F('window', 'list', undefined, 'window "[days] HH:MM-HH:MM [zone]", repeatable (union), e.g. "mon-fri 22:00-06:00 Europe/Berlin"'),
  F('window-cron', 'list', undefined, 'cron window "<5 cron fields> [for <duration>] [zone]", repeatable, e.g. "0 2 * * sat for 4h"'),
  F('window-cron-duration', 'string', '1h', 'how long a --window-cron window stays open when it says no "for"'),
  F('reboot-delay', 'string', '0', 'pause after the drain, before the reboot', true),
  F('drain-delay', 'string', '0', 'pause after taking the lock, before cordoning', true),
  // lock
  F('ds-namespace', 'string', 'nodemend', 'namespace of the agent DaemonSet (cluster-wide block annotations)', true),
  F('ds-name', 'string', 'nodemend-agent', 'name of the agent DaemonSet', true),
  F('lock-namespace', 'string', undefined, 'namespace of the lock Leases (default --ds-namespace)'),
  F('concurrency', 'string', '1', 'nodes that may reboot at once in the whole cluster', true),
  F('concurrency-scope', 'string', '', 'node label that groups nodes, e.g. topology.kubernetes.io/zone'),
  F('concurrency-per-scope', 'string', undefined, 'nodes that may reboot at once per value of --concurrency-scope (default 1)'),
  F('lock-release-delay', 'string', '0', 'pause before releasing the lock (paces the rollout)', true),
  F('max-reboot-duration', 'string', '30m', 'a NotReady lock holder keeps its slot this long, then the slot is freed'),
  F('stale-lock-grace', 'string', '5m', 'a Ready holder that stopped renewing loses its slot after this'),
  F('lock-ttl', 'string', undefined, 'Kured only; replaced by --max-reboot-duration and --stale-lock-grace', true),
  F('lock-annotation', 'string', undefined, 'Kured only; nodemend locks with Lease objects', true),
  // blockers
  F('prometheus-url', 'string', '', 'Prometheus base URL; firing alerts block reboots', true),
  F('alert-filter-regexp', 'string', '', 'alert names to ignore (regular expression)', true),
  F('alert-filter-match-only', 'bool', 'false', 'invert: only alerts matching --alert-filter-regexp block', true),
  F('alert-firing-only', 'bool', 'false', 'ignore pending alerts', true),
  F('blocking-pod-selector', 'list', undefined, 'label selector; a matching pod on the node blocks, repeatable', true),
  // drain
  F('drain-grace-period', 'string', '-1', 'seconds each pod gets to stop; -1 = its own terminationGracePeriodSeconds', true),
  F('drain-timeout', 'string', '0', 'give up draining after this; 0 = no limit', true),
  F('skip-wait-for-delete-timeout', 'string', '0', 'seconds; do not wait for pods deleted longer ago than this', true),
  F('drain-pod-selector', 'string', '', 'evict only pods matching this label selector', true),
  F('drain-delete-emptydir-data', 'bool', 'true', 'evict pods with emptyDir volumes (their data is lost)'),
  F('drain-unmanaged-pods', 'bool', 'true', 'evict pods that no controller manages (they do not come back)'),
  F('drain-precheck', 'bool', 'true', 'before cordoning, report pods a PodDisruptionBudget keeps instead of cordoning into a deadlock'),
  F('force-reboot', 'bool', 'false', 'reboot even when the drain fails', true),
  F('prefer-no-schedule-taint', 'string', '', 'PreferNoSchedule taint put on a node while it waits for the lock', true),
  // reboot
  F('reboot-method', 'string', 'command', 'command or signal', true),
  F('reboot-command', 'string', '/bin/systemctl reboot', 'run in the host mount namespace (method command)', true),
  F('reboot-signal', 'string', '39', 'signal sent to PID 1 (method signal; 39 = SIGRTMIN+5)', true),
  F('reboot-verify-timeout', 'string', '10m', 'after issuing the reboot, how long the node may keep its boot ID before the reboot counts as not happened'),
  F('pre-reboot-node-labels', 'list', undefined, 'k=v labels set before cordoning, repeatable', true),
  F('post-reboot-node-labels', 'list', undefined, 'k=v labels set after the reboot, repeatable', true),
  F('annotate-nodes', 'bool', 'false', 'Kured only; nodemend always publishes state in nodemend.dev/state', true),
  // after the reboot
  F('health-gate', 'bool', 'false', 'after the reboot, hold the lock until no PodDisruptionBudget is short and no alert blocks'),
  F('health-gate-timeout', 'string', '10m', 'give up waiting for the health gate (the reboot is then reported failed)'),
  // notify
  F('notify-url', 'string', '', 'webhook URL (http or https) for drain, reboot, back in service and failures', true),
  F('notify-format', 'string', 'auto', 'json, slack, or auto (slack for hooks.slack.com)'),
  F('message-template-drain', 'string', 'Draining node %s', 'notification text, %s = node', true),
  F('message-template-reboot', 'string', 'Rebooting node %s', 'notification text, %s = node', true),
  F('message-template-uncordon', 'string', 'Node %s rebooted and back in service', 'notification text, %s = node', true),
  // observability
  F('metrics-host', 'string', '', 'metrics listen address; empty = all interfaces', true),
  F('metrics-port', 'string', '8080', 'metrics port (/metrics, /healthz, /readyz); 0 = any free port', true),
  F('log-format', 'string', 'json', 'json or text', true),
  F('log-level', 'string', 'info', 'debug, info, warn or error'),
  F('dry-run', 'bool', 'false', 'do everything but cordon, drain and reboot, and say what would happen'),
];

const BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));

export function usage(): string {
  const lines = FLAGS.map((f) => `  --${f.name}${f.kind === 'bool' ? '' : '=…'}`.padEnd(38) + f.help + (f.def ? ` (default ${JSON.stringify(f.def)})` : ''));
  return `usage: nodemend agent [flags]\nEach flag may also come from NODEMEND_<FLAG> (e.g. NODEMEND_DRY_RUN=true); Kured's flags from KURED_<FLAG> too.\nList flags repeat; in the environment separate their values with ";".\n${lines.join('\n')}`;
}

export type Env = Record<string, string | undefined>;

export interface RawFlags {
  /** Resolved text per flag; lists keep every value. Only flags with a value are present. */
  values: Map<string, string[]>;
  /** Where each value came from, for messages: "--x", "NODEMEND_X" or "KURED_X". */
  source: Map<string, string>;
  errors: string[];
}

export const envName = (prefix: string, flag: string) => `${prefix}_${flag.toUpperCase().replace(/-/g, '_')}`;

export function readFlags(argv: readonly string[], env: Env): RawFlags {
  const given = new Map<string, string[]>();
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=([\s\S]*))?$/.exec(argv[i]);
    if (!m) {
      errors.push(`unexpected argument ${JSON.stringify(argv[i])}; flags look like --name=value (see --help)`);
      continue;
    }
    const spec = BY_NAME.get(m[1]);
    if (!spec) {
      errors.push(`unknown flag --${m[1]}; see --help for the list`);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (spec.kind === 'bool' && (next === undefined || !/^(true|false)$/i.test(next))) value = 'true';
      else if (next === undefined || next.startsWith('--')) {
        errors.push(`--${spec.name}: missing value; write --${spec.name}=<value>`);
        continue;
      } else {
        value = next;
        i++;
      }
    }
    if (spec.kind === 'list') given.set(spec.name, [...(given.get(spec.name) ?? []), value]);
    else given.set(spec.name, [value]);
  }
  const values = new Map<string, string[]>();
  const source = new Map<string, string>();
  for (const f of FLAGS) {
    const fromFlag = given.get(f.name);
    if (fromFlag) {
      values.set(f.name, fromFlag);
      source.set(f.name, `--${f.name}`);
      continue;
    }
    const names = [envName('NODEMEND', f.name), ...(f.kured ? [envName('KURED', f.name)] : [])];
    const hit = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (hit) {
      const raw = env[hit]!;
      values.set(f.name, f.kind === 'list' ? raw.split(';').map((s) => s.trim()).filter(Boolean) : [raw]);
      source.set(f.name, `${hit} (--${f.name})`);
    } else if (f.def !== undefined) {
      values.set(f.name, [f.def]);
      source.set(f.name, `--${f.name}`);
    }
  }
  return { values, source, errors };
}

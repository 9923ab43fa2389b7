// The agent's flags: one table with each flag's name, kind, default and help, and a reader that
// resolves every flag to its raw text(s).
//
// Where each value comes from (kured.ts has the Kured side of the story):
// - nodemend's own rule: --flag > NODEMEND_<FLAG> > default.
// - Kured's flags (those marked with their Go type below) also read KURED_<FLAG>, exactly as Kured
//   1.23 reads it: a KURED_ variable that is set, even to "", replaces the flag's value (Kured
//   lets the environment win), and for Kured's list flags (reboot-days, pre/post-reboot-node-
//   labels) adds to the values given as flags. A Kured DaemonSet's env thus means what it meant.
//   A KURED_ variable that overrides a different flag value says so at start-up; one that
//   disagrees with the NODEMEND_ variable of the same flag stops start-up (which one was meant?).

/**
 * The Go type of Kured's flag; it decides how KURED_<FLAG> is read. stringArray is
 * --blocking-pod-selector: Kured 1.23 skips its variable ("Unsupported flag type"), nodemend
 * honours it and says so (kured.ts).
 */
export type KuredType = 'string' | 'int' | 'bool' | 'duration' | 'regexp' | 'stringSlice' | 'stringArray';

export type FlagKind = 'string' | 'bool' | 'list';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  /** Default text; lists default to none. */
  def?: string;
  /** A Kured flag: its Go type there. KURED_<FLAG> is read too. */
  kured?: KuredType;
  help: string;
}

const F = (name: string, kind: FlagKind, def: string | undefined, help: string, kured?: KuredType): FlagSpec => ({ name, kind, def, help, ...(kured ? { kured } : {}) });

export const FLAGS: readonly FlagSpec[] = [
  F('node-id', 'string', undefined, 'node this agent manages (env NODE_ID too; the DaemonSet sets it from spec.nodeName)', 'string'),
  F('kubeconfig', 'string', undefined, 'kubeconfig path; default in-cluster service account'),
  // detection
  F('reboot-sentinel', 'string', '/var/run/reboot-required', 'file whose existence means a reboot is needed', 'string'),
  F('reboot-sentinel-command', 'string', '', 'command run in the host mount namespace instead: exit 0 = needed, 1 = not', 'string'),
  F('period', 'string', '1m', 'safety-net re-check of sentinel, blockers and lock (jittered); the file is also watched', 'duration'),
  F('reboot-on-condition', 'list', undefined, 'node condition that asks for a reboot, "TYPE=STATUS[:for DURATION]", repeatable, e.g. "KernelDeadlock=True:for 5m" (docs/conditions.md)'),
  F('condition-ignore-window', 'list', undefined, 'condition type of --reboot-on-condition that may reboot outside the reboot window (blockers and the lock still apply), repeatable, e.g. ReadonlyFilesystem'),
  F('condition-clear-timeout', 'string', '15m', 'after a condition reboot, how long the condition may take to clear before the node is marked (nodemend.dev/condition-failed) and not rebooted for it again'),
  F('condition-reboots-per-hour', 'string', '2', 'condition reboots allowed cluster-wide per hour (from the nodes\' nodemend.dev/condition-reboots); more wait'),
  F('condition-max-share', 'string', '30%', 'when more than this share of nodes shows a --reboot-on-condition condition at once, condition reboots wait (a storm)'),
  // schedule
  F('reboot-days', 'list', undefined, 'Kured window: weekdays (su, sun, sunday or 0-6; mon-fri); given empty = no day: never reboots', 'stringSlice'),
  F('start-time', 'string', undefined, 'Kured window: start, e.g. 22:00, 10pm or 22 (default 0:00)', 'string'),
  F('end-time', 'string', undefined, 'Kured window: end, inclusive, wraps past midnight (default 23:59:59)', 'string'),
  F('time-zone', 'string', 'UTC', 'IANA zone of windows that name none', 'string'),
  F('window', 'list', undefined, 'window "[days] HH:MM-HH:MM [zone]", repeatable (union), e.g. "mon-fri 22:00-06:00 Europe/Berlin"'),
  F('window-cron', 'list', undefined, 'cron window "<5 cron fields> [for <duration>] [zone]", repeatable, e.g. "0 2 * * sat for 4h"'),
  F('window-cron-duration', 'string', '1h', 'how long a --window-cron window stays open when it says no "for"'),
  F('reboot-delay', 'string', '0', 'pause after the drain, before the reboot', 'duration'),
  F('drain-delay', 'string', '0', 'pause after taking the lock, before cordoning', 'duration'),
  // lock
  F('ds-namespace', 'string', 'nodemend', 'namespace of the agent DaemonSet (cluster-wide block annotations)', 'string'),
  F('ds-name', 'string', 'nodemend-agent', 'name of the agent DaemonSet', 'string'),
  F('lock-namespace', 'string', undefined, 'namespace of the lock Leases (default --ds-namespace)'),
  F('concurrency', 'string', '1', 'nodes that may reboot at once in the whole cluster', 'int'),
  F('concurrency-scope', 'string', '', 'node label that groups nodes, e.g. topology.kubernetes.io/zone'),
  F('concurrency-per-scope', 'string', undefined, 'nodes that may reboot at once per value of --concurrency-scope (default 1)'),
  F('lock-release-delay', 'string', '0', 'pause before releasing the lock (paces the rollout)', 'duration'),
  F('max-reboot-duration', 'string', '30m', 'a NotReady lock holder keeps its slot this long, then the slot is freed'),
  F('stale-lock-grace', 'string', '5m', 'a Ready holder that stopped renewing loses its slot after this'),
  F('lock-ttl', 'string', undefined, 'Kured only; replaced by --max-reboot-duration and --stale-lock-grace', 'duration'),
  F('lock-annotation', 'string', undefined, 'Kured only; nodemend locks with Lease objects', 'string'),
  F('kured-ds-namespace', 'string', 'kube-system', "cutover from Kured: namespace of Kured's DaemonSet, whose lock holders count against --concurrency"),
  F('kured-ds-name', 'string', 'kured', "cutover from Kured: name of Kured's DaemonSet; empty turns the cutover off"),
  F('kured-lock-annotation', 'string', 'weave.works/kured-node-lock', "cutover from Kured: the annotation of Kured's lock (Kured's --lock-annotation)"),
  // blockers
  F('prometheus-url', 'string', '', 'Prometheus base URL; firing alerts block reboots', 'string'),
  F('alert-filter-regexp', 'string', '', 'alert names to ignore (regular expression)', 'regexp'),
  F('alert-filter-match-only', 'bool', 'false', 'invert: only alerts matching --alert-filter-regexp block', 'bool'),
  F('alert-firing-only', 'bool', 'false', 'ignore pending alerts', 'bool'),
  F('blocking-pod-selector', 'list', undefined, 'label selector; a matching pod on the node blocks, repeatable', 'stringArray'),
  // drain
  F('drain-grace-period', 'string', '-1', 'seconds each pod gets to stop; -1 = its own terminationGracePeriodSeconds', 'int'),
  F('drain-timeout', 'string', '0', 'give up draining after this; 0 = no limit', 'duration'),
  F('skip-wait-for-delete-timeout', 'string', '0', 'seconds; do not wait for pods deleted longer ago than this', 'int'),
  F('drain-pod-selector', 'string', '', 'evict only pods matching this label selector', 'string'),
  F('drain-delete-emptydir-data', 'bool', 'true', 'evict pods with emptyDir volumes (their data is lost)'),
  F('drain-unmanaged-pods', 'bool', 'true', 'evict pods that no controller manages (they do not come back)'),
  F('drain-precheck', 'bool', 'true', 'before cordoning, report pods a PodDisruptionBudget keeps instead of cordoning into a deadlock'),
  F('force-reboot', 'bool', 'false', 'reboot even when the drain fails', 'bool'),
  F('prefer-no-schedule-taint', 'string', '', 'PreferNoSchedule taint put on a node while it waits for the lock', 'string'),
  // reboot
  F('reboot-method', 'string', 'command', 'command or signal', 'string'),
  F('reboot-command', 'string', '/bin/systemctl reboot', 'run in the host mount namespace (method command)', 'string'),
  F('reboot-signal', 'string', '39', 'signal sent to PID 1 (method signal; 39 = SIGRTMIN+5)', 'int'),
  F('reboot-verify-timeout', 'string', '10m', 'after issuing the reboot, how long the node may keep its boot ID before the reboot counts as not happened'),
  F('pre-reboot-node-labels', 'list', undefined, 'k=v labels set before cordoning, repeatable', 'stringSlice'),
  F('post-reboot-node-labels', 'list', undefined, 'k=v labels set after the reboot, repeatable', 'stringSlice'),
  F('annotate-nodes', 'bool', 'false', 'Kured only; nodemend always publishes state in nodemend.dev/state', 'bool'),
  // after the reboot
  F('health-gate', 'bool', 'false', 'after the reboot, hold the lock until no PodDisruptionBudget is short and no alert blocks'),
  F('health-gate-timeout', 'string', '10m', 'give up waiting for the health gate (the reboot is then reported failed)'),
  // notify
  F('notify-url', 'string', '', 'where drain, reboot, back-in-service and failure notices go: an http(s) webhook, or a shoutrrr URL as in Kured (slack://, teams://?host=…, generic://, smtp://)', 'string'),
  F('slack-hook-url', 'string', undefined, 'Kured\'s deprecated Slack webhook URL; read as --notify-url=slack://<its token>', 'string'),
  F('slack-username', 'string', undefined, 'Kured only; Kured 1.23 does not use it either (name the bot in the URL: slack://<name>@…)', 'string'),
  F('slack-channel', 'string', undefined, 'Kured only; Kured 1.23 does not use it either (a Slack webhook posts to its own channel)', 'string'),
  F('notify-format', 'string', 'auto', 'json, slack, or auto (slack for hooks.slack.com)'),
  F('message-template-drain', 'string', 'Draining node %s', 'notification text, %s = node', 'string'),
  F('message-template-reboot', 'string', 'Rebooting node %s', 'notification text, %s = node', 'string'),
  F('message-template-uncordon', 'string', 'Node %s rebooted and back in service', 'notification text, %s = node', 'string'),
  // observability
  F('metrics-host', 'string', '', 'metrics listen address; empty = all interfaces', 'string'),
  F('metrics-port', 'string', '8080', 'metrics port (/metrics, /healthz, /readyz); 0 = any free port', 'int'),
  F('log-format', 'string', 'json', 'json or text', 'string'),
  F('log-level', 'string', 'info', 'debug, info, warn or error'),
  F('dry-run', 'bool', 'false', 'do everything but cordon, drain and reboot, and say what would happen'),
];

const BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));

export function usage(): string {
  const lines = FLAGS.map((f) => `  --${f.name}${f.kind === 'bool' ? '' : '=…'}`.padEnd(38) + f.help + (f.def ? ` (default ${JSON.stringify(f.def)})` : ''));
  return (
    `usage: nodemend agent [flags]\n` +
    `Each flag may also come from NODEMEND_<FLAG> (e.g. NODEMEND_DRY_RUN=true); a flag beats it.\n` +
    `Kured's flags also come from KURED_<FLAG>, read as Kured reads it: the variable beats the flag.\n` +
    `List flags repeat; in NODEMEND_ variables separate their values with ";", in KURED_ ones with "," as in Kured.\n${lines.join('\n')}`
  );
}

export type Env = Record<string, string | undefined>;

export interface RawFlags {
  /** Resolved text per flag; lists keep every value. Only flags with a value are present. */
  values: Map<string, string[]>;
  /** Where each value came from, for messages: "--x", "NODEMEND_X (--x)" or "KURED_X (--x)". */
  source: Map<string, string>;
  /** Flags given on the command line or by a variable (not their default). */
  explicit: Set<string>;
  errors: string[];
  warnings: string[];
}

export const envName = (prefix: string, flag: string) => `${prefix}_${flag.toUpperCase().replace(/-/g, '_')}`;

export function readFlags(argv: readonly string[], env: Env): RawFlags {
  const given = new Map<string, string[]>();
  const errors: string[] = [];
  const warnings: string[] = [];
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
  const explicit = new Set<string>();
  for (const f of FLAGS) {
    const fromFlag = given.get(f.name);
    const nmName = envName('NODEMEND', f.name);
    const nm = env[nmName] === '' ? undefined : env[nmName];
    const kName = envName('KURED', f.name);
    // Kured looks a variable up with os.LookupEnv: set to "" is set.
    const kv = f.kured ? env[kName] : undefined;
    if (kv !== undefined) {
      if (nm !== undefined && nm !== kv) errors.push(`${kName} and ${nmName} are both set, to different values; keep one of them`);
      if (f.kind === 'list') {
        // Kured's list flags (pflag StringSlice): the variable adds to the values given as flags.
        values.set(f.name, [...(fromFlag ?? []), kv]);
      } else {
        values.set(f.name, [kv]);
        if (fromFlag && fromFlag[0] !== kv) warnings.push(`${kName} overrides --${f.name}: in Kured the environment beats the flag, and nodemend reads KURED_ variables as Kured does; remove one of them`);
      }
      source.set(f.name, `${kName} (--${f.name})`);
      explicit.add(f.name);
      continue;
    }
    if (fromFlag) {
      values.set(f.name, fromFlag);
      source.set(f.name, `--${f.name}`);
      explicit.add(f.name);
    } else if (nm !== undefined) {
      values.set(f.name, f.kind === 'list' ? nm.split(';').map((s) => s.trim()).filter(Boolean) : [nm]);
      source.set(f.name, `${nmName} (--${f.name})`);
      explicit.add(f.name);
    } else if (f.def !== undefined) {
      values.set(f.name, [f.def]);
      source.set(f.name, `--${f.name}`);
    }
  }
  return { values, source, explicit, errors, warnings };
}

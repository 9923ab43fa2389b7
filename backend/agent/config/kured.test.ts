// Every Kured 1.23 flag, as a flag and as its KURED_ variable: value in, configuration (or an error
// or warning naming it) out. The flags, their Go types, defaults and meanings come from Kured's
// cmd/kured/main.go at 51220cc (flag definitions, LoadFromEnv, validateNotificationURL,
// stripQuotes), pkg/timewindow (days and times) and pkg/checkers + pkg/reboot (shlex splitting),
// not from nodemend's code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type AgentConfig } from './config.ts';
import { FLAGS } from './flags.ts';
import { KURED_FLAGS, goRegexp } from './kured.ts';
import { inWindow, type WeeklyWindow } from '../schedule/window.ts';

const NODE = ['--node-id=n-1'];
const envOf = (flag: string) => `KURED_${flag.toUpperCase().replaceAll('-', '_')}`;

// Kured 1.23's flags and their pflag types, in main.go's order.
const KURED_GO_TYPES: Record<string, string> = {
  'node-id': 'string', 'force-reboot': 'bool', 'metrics-host': 'string', 'metrics-port': 'int', 'drain-grace-period': 'int',
  'drain-pod-selector': 'string', 'skip-wait-for-delete-timeout': 'int', 'drain-delay': 'duration', 'drain-timeout': 'duration',
  'reboot-delay': 'duration', 'reboot-method': 'string', period: 'duration', 'ds-namespace': 'string', 'ds-name': 'string',
  'lock-annotation': 'string', 'lock-ttl': 'duration', 'lock-release-delay': 'duration', 'prometheus-url': 'string',
  'alert-filter-regexp': 'regexp', 'alert-filter-match-only': 'bool', 'alert-firing-only': 'bool', 'reboot-sentinel': 'string',
  'prefer-no-schedule-taint': 'string', 'reboot-sentinel-command': 'string', 'reboot-command': 'string', concurrency: 'int',
  'reboot-signal': 'int', 'slack-hook-url': 'string', 'slack-username': 'string', 'slack-channel': 'string', 'notify-url': 'string',
  'message-template-uncordon': 'string', 'message-template-drain': 'string', 'message-template-reboot': 'string',
  'blocking-pod-selector': 'stringArray', 'reboot-days': 'stringSlice', 'start-time': 'string', 'end-time': 'string',
  'time-zone': 'string', 'annotate-nodes': 'bool', 'log-format': 'string', 'pre-reboot-node-labels': 'stringSlice',
  'post-reboot-node-labels': 'stringSlice',
};

test('all 43 Kured flags are known, with their Go types, in KURED_FLAGS and the flag table', () => {
  assert.equal(Object.keys(KURED_GO_TYPES).length, 43);
  assert.deepEqual(KURED_FLAGS.map((k) => k.name), Object.keys(KURED_GO_TYPES));
  const marked = Object.fromEntries(FLAGS.filter((f) => f.kured).map((f) => [f.name, f.kured]));
  assert.deepEqual(marked, KURED_GO_TYPES);
});

type Pick = (c: AgentConfig) => unknown;
interface Case {
  flag: string;
  value: string;
  /** Other flags the case needs (e.g. --prometheus-url for the alert filters). */
  extra?: string[];
  want?: [Pick, unknown][];
  error?: RegExp;
  warn?: RegExp;
  /** Only the KURED_ form warns (a variable Kured skips). */
  envWarn?: RegExp;
}

const days = (c: AgentConfig) => [...(c.windows[0] as WeeklyWindow).days].sort();
const win = (c: AgentConfig) => {
  const w = c.windows[0] as WeeklyWindow;
  return [w.start, w.end, w.zone, w.anchor];
};
const TOKEN = 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const PROM = ['--prometheus-url=http://prometheus.monitoring:9090'];

const cases: Case[] = [
  { flag: 'node-id', value: 'worker-1', want: [[(c) => c.nodeId, 'worker-1']] },
  { flag: 'force-reboot', value: 'true', want: [[(c) => c.forceReboot, true]] },
  // Go's strconv.ParseBool words.
  { flag: 'force-reboot', value: 'T', want: [[(c) => c.forceReboot, true]] },
  { flag: 'force-reboot', value: 'maybe', error: /force-reboot\)?: expected true or false, got "maybe"/ },
  { flag: 'metrics-host', value: '127.0.0.1', want: [[(c) => c.metrics.host, '127.0.0.1']] },
  { flag: 'metrics-port', value: '9100', want: [[(c) => c.metrics.port, 9100]] },
  { flag: 'metrics-port', value: 'http', error: /metrics-port\)?: expected a whole number/ },
  { flag: 'drain-grace-period', value: '30', want: [[(c) => c.drain.gracePeriodSeconds, 30]] },
  // "if negative, the default value specified in the pod will be used"
  { flag: 'drain-grace-period', value: '-5', want: [[(c) => c.drain.gracePeriodSeconds, -1]] },
  { flag: 'drain-pod-selector', value: 'app!=keep', want: [[(c) => c.drain.podSelector, 'app!=keep']] },
  { flag: 'skip-wait-for-delete-timeout', value: '60', want: [[(c) => c.drain.skipWaitForDeleteTimeoutSeconds, 60]] },
  { flag: 'drain-delay', value: '1m30s', want: [[(c) => c.drainDelayMs, 90_000]] },
  { flag: 'drain-delay', value: 'soon', error: /drain-delay\)?: expected a duration/ },
  { flag: 'drain-timeout', value: '1.5h', want: [[(c) => c.drain.timeoutMs, 5_400_000]] },
  { flag: 'reboot-delay', value: '90s', want: [[(c) => c.rebootDelayMs, 90_000]] },
  { flag: 'reboot-method', value: 'signal', want: [[(c) => c.reboot, { method: 'signal', signal: 39 }]] },
  { flag: 'reboot-method', value: 'kexec', error: /reboot-method\)?: expected command or signal, got "kexec"/ },
  { flag: 'period', value: '1h', want: [[(c) => c.periodMs, 3_600_000]] },
  { flag: 'ds-namespace', value: 'kube-system', want: [[(c) => [c.dsNamespace, c.lockNamespace], ['kube-system', 'kube-system']]] },
  { flag: 'ds-name', value: 'kured', want: [[(c) => c.dsName, 'kured']] },
  // It names the annotation of Kured's lock: the cut-over reads Kured's lock there.
  { flag: 'lock-annotation', value: 'example.com/kured-lock', want: [[(c) => c.kured?.annotation, 'example.com/kured-lock']], warn: /--lock-annotation is not nodemend's lock: nodemend locks with Lease objects .*reads Kured's lock from this annotation during the cut-over/ },
  { flag: 'lock-ttl', value: '30m', warn: /--lock-ttl is ignored: nodemend frees stale lock slots by --max-reboot-duration .* and --stale-lock-grace/ },
  { flag: 'lock-release-delay', value: '5m', want: [[(c) => c.lockReleaseDelayMs, 300_000]] },
  { flag: 'prometheus-url', value: 'http://prometheus.monitoring:9090', want: [[(c) => c.prometheus?.url, 'http://prometheus.monitoring:9090/']] },
  // Go syntax: a leading (?i) makes the whole expression case-insensitive.
  { flag: 'alert-filter-regexp', value: '(?i)^(watchdog|info.*)$', extra: PROM, want: [[(c) => ['Watchdog', 'InfoInhibitor', 'KubeNodeNotReady'].map((a) => c.prometheus?.filter?.test(a)), [true, true, false]]] },
  { flag: 'alert-filter-regexp', value: '(?P<name>Watchdog)', extra: PROM, want: [[(c) => c.prometheus?.filter?.test('Watchdog'), true]] },
  { flag: 'alert-filter-regexp', value: '(?U)a+', extra: PROM, error: /alert-filter-regexp\)?: the Go flag U \(ungreedy\) has no JavaScript equivalent/ },
  { flag: 'alert-filter-match-only', value: 'true', extra: PROM, want: [[(c) => c.prometheus?.matchOnly, true]] },
  { flag: 'alert-firing-only', value: 'true', extra: PROM, want: [[(c) => c.prometheus?.firingOnly, true]] },
  { flag: 'reboot-sentinel', value: '/sentinel/reboot-required', want: [[(c) => c.sentinel, { kind: 'file', path: '/sentinel/reboot-required' }]] },
  { flag: 'prefer-no-schedule-taint', value: 'nodemend.dev/kured-node-reboot', want: [[(c) => c.preferNoScheduleTaint, 'nodemend.dev/kured-node-reboot']] },
  // Kured's documented key is accepted; nodemend's admission policy would refuse it, and start-up says so.
  { flag: 'prefer-no-schedule-taint', value: 'weave.works/kured-node-reboot', want: [[(c) => c.preferNoScheduleTaint, 'weave.works/kured-node-reboot']], warn: /--prefer-no-schedule-taint: weave\.works\/kured-node-reboot is not under nodemend\.dev\/, which nodemend's admission policy .* use e\.g\. nodemend\.dev\/kured-node-reboot/ },
  // Kured's RHEL check: google/shlex keeps the quoted script one word.
  { flag: 'reboot-sentinel-command', value: 'sh -c "! needs-restarting --reboothint"', want: [[(c) => c.sentinel, { kind: 'command', argv: ['sh', '-c', '! needs-restarting --reboothint'] }]] },
  { flag: 'reboot-sentinel-command', value: "sh -c 'test -f /x", error: /reboot-sentinel-command\)?: unclosed ' quote/ },
  { flag: 'reboot-sentinel-command', value: '"sh -c true"', error: /reboot-sentinel-command\)?: the program name "sh -c true" contains blanks: .*remove the outer quotes/ },
  { flag: 'reboot-command', value: '/bin/sh -c "systemctl reboot --force"', want: [[(c) => c.reboot, { method: 'command', argv: ['/bin/sh', '-c', 'systemctl reboot --force'] }]] },
  // NewCommandRebooter: "no reboot command specified".
  { flag: 'reboot-command', value: '', error: /reboot-command\)?: empty command/ },
  { flag: 'concurrency', value: '2', want: [[(c) => c.concurrency, 2]] },
  { flag: 'reboot-signal', value: '34', extra: ['--reboot-method=signal'], want: [[(c) => c.reboot, { method: 'signal', signal: 34 }]] },
  // validateNotificationURL: the hook's path after /services/ becomes slack://A/B/C.
  { flag: 'slack-hook-url', value: `https://hooks.slack.com/services/${TOKEN}`, want: [[(c) => c.notify?.kind === 'slack' && c.notify.token, { type: 'hook', path: TOKEN }]], warn: /slack-hook-url\)? is deprecated \(in Kured too\); write --notify-url=slack:\/\// },
  { flag: 'slack-hook-url', value: "'https://hooks.slack.com/services/T0/B0'", error: /slack-hook-url\)?: expected https:\/\/hooks\.slack\.com\/services\/<A>\/<B>\/<C>/ },
  { flag: 'slack-username', value: 'kured-bot', warn: /--slack-username has no effect \(Kured 1\.23 does not use it either\)/ },
  { flag: 'slack-channel', value: '#ops', warn: /--slack-channel has no effect/ },
  // stripQuotes: the quotes a shell would have eaten go.
  { flag: 'notify-url', value: `"slack://${TOKEN}"`, want: [[(c) => c.notify?.kind === 'slack' && c.notify.token, { type: 'hook', path: TOKEN }]] },
  { flag: 'notify-url', value: 'teams://?host=https%3A%2F%2Fprod-00.westus.logic.azure.com%3A443%2Fworkflows%2Fabc', want: [[(c) => c.notify, { kind: 'teams', url: 'https://prod-00.westus.logic.azure.com/workflows/abc' }]] },
  { flag: 'notify-url', value: 'generic+https://hooks.example.com/kured', want: [[(c) => c.notify?.kind === 'generic' && c.notify.url, 'https://hooks.example.com/kured']] },
  { flag: 'notify-url', value: "'smtp://mail.example.com:587/?from=kured@example.com&to=ops@example.com'", want: [[(c) => c.notify?.kind === 'smtp' && [c.notify.host, c.notify.port, c.notify.to], ['mail.example.com', 587, ['ops@example.com']]]] },
  { flag: 'notify-url', value: 'discord://token@channel', error: /notify-url\)?: shoutrrr's discord:\/\/ service is not supported; .*generic:\/\// },
  { flag: 'message-template-uncordon', value: 'Node %s rebooted & uncordoned successfully!', want: [[(c) => c.messages.uncordon, 'Node %s rebooted & uncordoned successfully!']] },
  { flag: 'message-template-drain', value: 'Draining %s for patches', want: [[(c) => c.messages.drain, 'Draining %s for patches']] },
  { flag: 'message-template-reboot', value: 'Rebooting %s', want: [[(c) => c.messages.reboot, 'Rebooting %s']] },
  // A StringArray: each value one selector, commas included. Kured 1.23 skips the variable.
  { flag: 'blocking-pod-selector', value: 'app=critical,tier=db', want: [[(c) => c.blockingPodSelectors, ['app=critical,tier=db']]], envWarn: /KURED_BLOCKING_POD_SELECTOR is read as one more --blocking-pod-selector; Kured 1\.23 skips this variable/ },
  { flag: 'reboot-days', value: 'mon,fri', want: [[days, [1, 5]]] },
  { flag: 'reboot-days', value: 'su,1,Tuesday', want: [[days, [0, 1, 2]]] },
  // Empty is no day (Kured's kill switch), loudly.
  { flag: 'reboot-days', value: '', want: [[days, []], [(c) => inWindow(c.windows, Date.parse('2026-06-14T12:00:00Z')), false]], warn: /reboot-days\)? is empty: no day is a reboot day, so this node never reboots by itself/ },
  { flag: 'reboot-days', value: 'funday', error: /reboot-days\)?: (--reboot-days: )?"funday" is not a weekday/ },
  // pkg/timewindow parseTime: 15:04, 15:04:05, 03:04pm, 15, 03pm, 3pm.
  { flag: 'start-time', value: '22', want: [[win, [79_200, 86_399, 'UTC', 'clock']]] },
  { flag: 'start-time', value: '10:30pm', want: [[win, [81_000, 86_399, 'UTC', 'clock']]] },
  { flag: 'start-time', value: '25', error: /start-time\)?: (--start-time: )?"25" is not a time of day/ },
  { flag: 'end-time', value: '6', want: [[win, [0, 21_600, 'UTC', 'clock']]] },
  { flag: 'end-time', value: '05:30:00', want: [[win, [0, 19_800, 'UTC', 'clock']]] },
  { flag: 'time-zone', value: 'Europe/Berlin', want: [[win, [0, 86_399, 'Europe/Berlin', 'clock']]] },
  // Go's time.LoadLocation("") is UTC.
  { flag: 'time-zone', value: '', want: [[win, [0, 86_399, 'UTC', 'clock']]] },
  { flag: 'time-zone', value: 'Local', error: /time-zone\)?: "Local" is the container's own zone in Kured .*name the zone/ },
  { flag: 'annotate-nodes', value: 'true', warn: /--annotate-nodes is ignored: nodemend does not write weave\.works\/kured-reboot-in-progress nor weave\.works\/kured-most-recent-reboot-needed; it publishes .* nodemend\.dev\/state/ },
  { flag: 'log-format', value: 'text', want: [[(c) => c.logFormat, 'text']] },
  { flag: 'pre-reboot-node-labels', value: 'agent.nodemend.dev/kured=rebooting,agent.nodemend.dev/maint=true', extra: ['--post-reboot-node-labels=agent.nodemend.dev/kured=done,agent.nodemend.dev/maint=false'], want: [[(c) => c.preRebootLabels, { 'agent.nodemend.dev/kured': 'rebooting', 'agent.nodemend.dev/maint': 'true' }]] },
  { flag: 'post-reboot-node-labels', value: 'agent.nodemend.dev/kured=done', extra: ['--pre-reboot-node-labels=agent.nodemend.dev/kured=rebooting'], want: [[(c) => c.postRebootLabels, { 'agent.nodemend.dev/kured': 'done' }]] },
  // Kured's usual kured=rebooting: accepted; nodemend's admission policy would refuse it, and start-up says so.
  { flag: 'pre-reboot-node-labels', value: 'kured=rebooting', extra: ['--post-reboot-node-labels=kured=done'], want: [[(c) => c.preRebootLabels, { kured: 'rebooting' }]], warn: /--pre-reboot-node-labels\/--post-reboot-node-labels: kured is not under agent\.nodemend\.dev\/, which nodemend's admission policy \(nodemend-agent-own-node\) requires: .*use e\.g\. agent\.nodemend\.dev\/kured/ },
  // validateNodeLabels: different keys are a warning.
  { flag: 'post-reboot-node-labels', value: 'agent.nodemend.dev/other=x', extra: ['--pre-reboot-node-labels=agent.nodemend.dev/kured=rebooting'], warn: /--pre-reboot-node-labels and --post-reboot-node-labels set different keys/ },
];

test('every Kured flag has a case', () => {
  const covered = new Set(cases.map((c) => c.flag));
  assert.deepEqual(KURED_FLAGS.map((k) => k.name).filter((n) => !covered.has(n)), []);
});

for (const c of cases) {
  for (const form of ['flag', 'env'] as const) {
    const name = form === 'flag' ? `--${c.flag}=${c.value}` : `${envOf(c.flag)}=${c.value}`;
    test(`Kured ${name}${c.extra ? ' ' + c.extra.join(' ') : ''}`, () => {
      const base = c.flag === 'node-id' ? [] : NODE;
      const r = form === 'flag' ? parseConfig([...base, ...(c.extra ?? []), `--${c.flag}=${c.value}`], {}) : parseConfig([...base, ...(c.extra ?? [])], { [envOf(c.flag)]: c.value });
      if (c.error) {
        assert.ok(!r.ok, 'expected an error');
        // The error names the flag, or the variable and its flag.
        const prefix = form === 'flag' ? `--${c.flag}` : `${envOf(c.flag)} (--${c.flag})`;
        assert.ok(r.errors.some((e) => e.startsWith(prefix) && c.error!.test(e)), `${prefix} … ${c.error}:\n${r.errors.join('\n')}`);
        return;
      }
      assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
      for (const [pick, want] of c.want ?? []) assert.deepEqual(pick(r.config), want);
      const warn = c.warn ?? (form === 'env' ? c.envWarn : undefined);
      if (warn) assert.match(r.warnings.join('\n'), warn);
      else assert.deepEqual(r.warnings, []);
    });
  }
}

// LoadFromEnv: a KURED_ variable that is set (os.LookupEnv, so "" counts) goes through flag.Set
// after the command line was parsed: it replaces a scalar flag, adds to a StringSlice flag, and an
// int, bool or duration that does not parse stops Kured ("Invalid value").
test('KURED_ variable beats the flag, and nodemend says so', () => {
  const r = parseConfig([...NODE, '--period=30m', '--concurrency=2'], { KURED_PERIOD: '2h', KURED_CONCURRENCY: '2' });
  assert.ok(r.ok);
  assert.equal(r.config.periodMs, 7_200_000);
  assert.equal(r.config.concurrency, 2);
  assert.deepEqual(r.warnings, ['KURED_PERIOD overrides --period: in Kured the environment beats the flag, and nodemend reads KURED_ variables as Kured does; remove one of them']);
});

test('KURED_ list variable adds to the list flags', () => {
  const r = parseConfig([...NODE, '--reboot-days=mon'], { KURED_REBOOT_DAYS: 'fri,sat' });
  assert.ok(r.ok);
  assert.deepEqual(days(r.config), [1, 5, 6]);
  // Set to "" it adds nothing to flag values, and is the empty list without them.
  const kept = parseConfig([...NODE, '--reboot-days=mon'], { KURED_REBOOT_DAYS: '' });
  assert.ok(kept.ok);
  assert.deepEqual(days(kept.config), [1]);
});

test('KURED_ int, bool and duration set to "" stop start-up, as in Kured', () => {
  const r = parseConfig(NODE, { KURED_CONCURRENCY: '', KURED_FORCE_REBOOT: '', KURED_PERIOD: '' });
  assert.ok(!r.ok);
  assert.match(r.errors.join('\n'), /KURED_CONCURRENCY \(--concurrency\): expected a whole number/);
  assert.match(r.errors.join('\n'), /KURED_FORCE_REBOOT \(--force-reboot\): expected true or false/);
  assert.match(r.errors.join('\n'), /KURED_PERIOD \(--period\): expected a duration/);
});

test('KURED_ and NODEMEND_ variables that disagree stop start-up', () => {
  const r = parseConfig(NODE, { KURED_PERIOD: '1h', NODEMEND_PERIOD: '5m' });
  assert.ok(!r.ok);
  assert.match(r.errors.join('\n'), /^KURED_PERIOD and NODEMEND_PERIOD are both set, to different values; keep one of them$/m);
  assert.ok(parseConfig(NODE, { KURED_PERIOD: '1h', NODEMEND_PERIOD: '1h' }).ok);
});

test('--notify-url wins over --slack-hook-url, with a warning (validateNotificationURL)', () => {
  const r = parseConfig([...NODE, '--notify-url=generic+https://hooks.example.com/x', `--slack-hook-url=https://hooks.slack.com/services/${TOKEN}`], {});
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  assert.equal(r.config.notify?.kind, 'generic');
  assert.match(r.warnings.join('\n'), /--slack-hook-url is ignored: --notify-url is set too, and it wins \(as in Kured\)/);
});

test("Kured's --ds-namespace/--ds-name name Kured's DaemonSet: nodemend says which flags those are now", () => {
  const r = parseConfig([...NODE, '--ds-namespace=kube-system', '--ds-name=kured'], {});
  assert.ok(r.ok);
  assert.match(r.warnings.join('\n'), /--ds-name=kured in kube-system is Kured's DaemonSet: --ds-namespace\/--ds-name name nodemend's own DaemonSet .*Kured's is --kured-ds-namespace\/--kured-ds-name/);
  // An explicit --kured-lock-annotation beats Kured's --lock-annotation.
  const both = parseConfig([...NODE, '--lock-annotation=a.example/x', '--kured-lock-annotation=b.example/y'], {});
  assert.ok(both.ok);
  assert.equal(both.config.kured?.annotation, 'b.example/y');
});

test('--reboot-sentinel is unused when the command is set, and says so', () => {
  const r = parseConfig([...NODE, '--reboot-sentinel=/x', '--reboot-sentinel-command=true'], {});
  assert.ok(r.ok);
  assert.match(r.warnings.join('\n'), /--reboot-sentinel is not used: --reboot-sentinel-command decides instead/);
});

/** The configuration as comparable data (Sets and RegExps spelled out, window texts left out). */
function norm(c: AgentConfig): unknown {
  return JSON.parse(JSON.stringify(c, (k, v: unknown) => (k === 'text' ? undefined : v instanceof Set ? [...v].sort() : v instanceof RegExp ? String(v) : v)));
}

test("Kured's default given explicitly: the same configuration where nodemend keeps it, a different one where it does not", () => {
  const plain = parseConfig(NODE, {});
  assert.ok(plain.ok);
  for (const k of KURED_FLAGS) {
    if (k.kuredDefault === 'none' || k.name === 'node-id') continue;
    const r = parseConfig([...NODE, `--${k.name}=${k.kuredDefault}`], {});
    assert.ok(r.ok, `${k.name}: ${r.ok ? '' : r.errors.join('; ')}`);
    if (k.status === 'default differs') assert.notDeepEqual(norm(r.config), norm(plain.config), k.name);
    else assert.deepEqual(norm(r.config), norm(plain.config), k.name);
  }
});

test('goRegexp: Go flag groups and named groups', () => {
  const r = goRegexp('(?is)^a.b$');
  assert.ok(r.ok && r.value.flags === 'is' && r.value.test('A\nB'));
});

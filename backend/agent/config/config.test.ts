import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type AgentConfig } from './config.ts';
import { inWindow } from '../schedule/window.ts';
import { usage, FLAGS } from './flags.ts';

const NODE = ['--node-id=n-1'];
type Pick = (c: AgentConfig) => unknown;

const ok: { name: string; argv: string[]; env?: Record<string, string>; want: [Pick, unknown][]; warn?: RegExp }[] = [
  {
    name: 'defaults (Kured-like)',
    argv: NODE,
    want: [
      [(c) => c.nodeId, 'n-1'],
      [(c) => c.sentinel, { kind: 'file', path: '/var/run/reboot-required' }],
      [(c) => c.periodMs, 60_000],
      [(c) => c.concurrency, 1],
      [(c) => c.scope, undefined],
      [(c) => [c.dsNamespace, c.dsName, c.lockNamespace], ['nodemend', 'nodemend-agent', 'nodemend']],
      [(c) => c.drain, { gracePeriodSeconds: -1, timeoutMs: 0, skipWaitForDeleteTimeoutSeconds: 0, podSelector: '', deleteEmptyDirData: true, force: true }],
      [(c) => c.reboot, { method: 'command', argv: ['/bin/systemctl', 'reboot'] }],
      [(c) => [c.maxRebootDurationMs, c.staleLockGraceMs], [1_800_000, 300_000]],
      [(c) => [c.dryRun, c.forceReboot, c.healthGate, c.drainPrecheck], [false, false, false, true]],
      [(c) => c.windows.length, 1],
      [(c) => inWindow(c.windows, Date.parse('2026-06-14T12:34:56Z')), true],
      [(c) => c.metrics, { host: '', port: 8080 }],
      [(c) => [c.logFormat, c.logLevel], ['json', 'info']],
    ],
  },
  { name: 'node id from NODE_ID', argv: [], env: { NODE_ID: 'worker-7.example' }, want: [[(c) => c.nodeId, 'worker-7.example']] },
  { name: 'node id from KURED_NODE_ID', argv: [], env: { KURED_NODE_ID: 'k1' }, want: [[(c) => c.nodeId, 'k1']] },
  { name: 'flag beats NODEMEND_ env', argv: [...NODE, '--concurrency=3'], env: { NODEMEND_CONCURRENCY: '2', NODEMEND_DRAIN_TIMEOUT: '10m', KURED_PERIOD: '2m' }, want: [[(c) => c.concurrency, 3], [(c) => c.drain.timeoutMs, 600_000], [(c) => c.periodMs, 120_000]] },
  { name: 'KURED_ env beats the flag, as in Kured, and says so', argv: [...NODE, '--concurrency=3'], env: { KURED_CONCURRENCY: '5', KURED_DRAIN_TIMEOUT: '1m', NODEMEND_DRAIN_TIMEOUT: '1m' }, want: [[(c) => c.concurrency, 5], [(c) => c.drain.timeoutMs, 60_000]], warn: /KURED_CONCURRENCY overrides --concurrency: in Kured the environment beats the flag/ },
  { name: 'KURED_ env ignored for nodemend-only flags', argv: NODE, env: { KURED_DRY_RUN: 'true' }, want: [[(c) => c.dryRun, false]] },
  { name: 'separate values and bare booleans', argv: [...NODE, '--period', '30s', '--dry-run', '--force-reboot', 'false', '--health-gate'], want: [[(c) => [c.periodMs, c.dryRun, c.forceReboot, c.healthGate], [30_000, true, false, true]]] },
  { name: 'per-zone concurrency', argv: [...NODE, '--concurrency=3', '--concurrency-scope=topology.kubernetes.io/zone', '--concurrency-per-scope=1'], want: [[(c) => c.scope, { label: 'topology.kubernetes.io/zone', limit: 1 }]] },
  { name: 'scope without per-scope means 1', argv: [...NODE, '--concurrency-scope=nodemend.dev/pool'], want: [[(c) => c.scope, { label: 'nodemend.dev/pool', limit: 1 }]] },
  {
    name: 'several windows and a cron window',
    argv: [...NODE, '--window', 'mon-fri 22:00-06:00 Europe/Berlin', '--window=sat,sun 00:00-24:00', '--window-cron', '0 2 1 * * for 3h', '--time-zone=America/New_York'],
    want: [
      [(c) => c.windows.map((w) => [w.kind, w.zone]), [['weekly', 'Europe/Berlin'], ['weekly', 'America/New_York'], ['cron', 'America/New_York']]],
      [(c) => inWindow(c.windows, Date.parse('2026-06-17T12:00:00Z')), false],
      [(c) => inWindow(c.windows, Date.parse('2026-06-17T21:00:00Z')), true],
    ],
  },
  { name: 'windows from env, ";" separated', argv: NODE, env: { NODEMEND_WINDOW: 'mon 01:00-02:00; tue 01:00-02:00' }, want: [[(c) => c.windows.length, 2]] },
  { name: 'Kured window flags, Kured day semantics', argv: [...NODE, '--reboot-days=mon,tue', '--reboot-days=fri', '--start-time=22:00', '--end-time=6:00', '--time-zone=Europe/Berlin'], want: [[(c) => c.windows.map((w) => w.kind === 'weekly' && [[...w.days].sort(), w.anchor, w.zone]), [[[1, 2, 5], 'clock', 'Europe/Berlin']]]] },
  { name: 'sentinel command replaces the file', argv: [...NODE, '--reboot-sentinel-command=test -f /run/need'], want: [[(c) => c.sentinel, { kind: 'command', argv: ['test', '-f', '/run/need'] }]] },
  { name: 'signal reboot', argv: [...NODE, '--reboot-method=signal', '--reboot-signal=40'], want: [[(c) => c.reboot, { method: 'signal', signal: 40 }]] },
  { name: 'prometheus blocker', argv: [...NODE, '--prometheus-url=http://127.0.0.1:9090', '--alert-filter-regexp=^(Watchdog|Info.*)$', '--alert-firing-only'], want: [[(c) => [c.prometheus?.url, c.prometheus?.filter?.test('Watchdog'), c.prometheus?.firingOnly, c.prometheus?.matchOnly], ['http://127.0.0.1:9090/', true, true, false]]] },
  { name: 'pod selectors and labels', argv: [...NODE, '--blocking-pod-selector=app=db,tier in (a, b)', '--blocking-pod-selector=!canary', '--pre-reboot-node-labels=example.com/rebooting=true,x=', '--post-reboot-node-labels=example.com/rebooting=false'], want: [[(c) => c.blockingPodSelectors, ['app=db,tier in (a, b)', '!canary']], [(c) => c.preRebootLabels, { 'example.com/rebooting': 'true', x: '' }], [(c) => c.postRebootLabels, { 'example.com/rebooting': 'false' }]], warn: /--pre-reboot-node-labels and --post-reboot-node-labels set different keys/ },
  { name: 'drain options', argv: [...NODE, '--drain-grace-period=30', '--drain-timeout=1h30m', '--skip-wait-for-delete-timeout=60', '--drain-pod-selector=app!=keep', '--drain-delete-emptydir-data=false', '--drain-unmanaged-pods=false'], want: [[(c) => c.drain, { gracePeriodSeconds: 30, timeoutMs: 5_400_000, skipWaitForDeleteTimeoutSeconds: 60, podSelector: 'app!=keep', deleteEmptyDirData: false, force: false }]] },
  { name: 'notify', argv: [...NODE, '--notify-url=https://hooks.slack.com/services/T/B/x', '--message-template-drain=Draining %s now'], want: [[(c) => c.notify, { kind: 'webhook', url: 'https://hooks.slack.com/services/T/B/x', format: 'auto' }], [(c) => c.messages.drain, 'Draining %s now']] },
  {
    name: 'node conditions',
    argv: [...NODE, '--reboot-on-condition=KernelDeadlock=True:for 5m', '--reboot-on-condition', 'readonlyFilesystem=true', '--reboot-on-condition=example.com/Custom=Unknown:for=90s', '--condition-ignore-window=readonlyFilesystem', '--condition-max-share=40%', '--condition-reboots-per-hour=5', '--condition-clear-timeout=20m'],
    want: [
      [(c) => c.conditions.rules, [{ type: 'KernelDeadlock', status: 'True', forMs: 300_000, urgent: false }, { type: 'readonlyFilesystem', status: 'True', forMs: 0, urgent: true }, { type: 'example.com/Custom', status: 'Unknown', forMs: 90_000, urgent: false }]],
      [(c) => [c.conditions.maxShare, c.conditions.perHour, c.conditions.clearTimeoutMs], [0.4, 5, 1_200_000]],
    ],
  },
  { name: 'no node conditions by default', argv: NODE, want: [[(c) => c.conditions, { rules: [], clearTimeoutMs: 900_000, perHour: 2, maxShare: 0.3 }]] },
  { name: 'lock namespace defaults to ds namespace', argv: [...NODE, '--ds-namespace=kube-system'], want: [[(c) => c.lockNamespace, 'kube-system']] },
  { name: 'Kured-only flags warn, never fail', argv: [...NODE, '--lock-ttl=30m', '--annotate-nodes', '--lock-annotation=weave.works/kured-node-lock'], want: [], warn: /--lock-ttl is ignored.*max-reboot-duration/ },
];
for (const c of ok) {
  test(`agent config ok: ${c.name}`, () => {
    const r = parseConfig(c.argv, c.env ?? {});
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    for (const [pick, want] of c.want) assert.deepEqual(pick(r.config), want);
    if (c.warn) assert.match(r.warnings.join('\n'), c.warn);
    else assert.deepEqual(r.warnings, []);
  });
}

const bad: { argv: string[]; env?: Record<string, string>; match: RegExp[] }[] = [
  { argv: [], match: [/--node-id: required; set --node-id=<node name> or the env NODE_ID/] },
  { argv: ['--node-id=Bad_Node'], match: [/--node-id: "Bad_Node" is not a valid node name/] },
  { argv: [...NODE, '--concurrency=0'], match: [/--concurrency: expected a whole number from 1 to 1000, got "0"/] },
  { argv: [...NODE], env: { NODEMEND_CONCURRENCY: 'two' }, match: [/NODEMEND_CONCURRENCY \(--concurrency\): expected a whole number/] },
  { argv: [...NODE], env: { KURED_TIME_ZONE: 'Moon/Base' }, match: [/KURED_TIME_ZONE \(--time-zone\): --time-zone: "Moon\/Base" is not an IANA time zone/] },
  { argv: [...NODE, '--period=often'], match: [/--period: expected a duration such as 30s/] },
  { argv: [...NODE, '--period=100ms'], match: [/--period: must be at least 1s/] },
  { argv: [...NODE, '--window=someday 22:00-06:00'], match: [/--window: "someday" is not a weekday/] },
  { argv: [...NODE, '--window-cron=0 25 * * *'], match: [/--window-cron: invalid cron expression/] },
  { argv: [...NODE, '--window=mon 22:00-06:00', '--start-time=22:00'], match: [/--start-time: cannot be combined with --window\/--window-cron; write the Kured window as --window/] },
  { argv: [...NODE, '--reboot-days=mon,funday', '--end-time=25:00'], match: [/--reboot-days: "funday"/, /--end-time: "25:00" is not a time of day/] },
  { argv: [...NODE, '--concurrency-per-scope=2'], match: [/--concurrency-per-scope: has no effect without --concurrency-scope; add e.g./] },
  { argv: [...NODE, '--concurrency-scope=bad label!'], match: [/--concurrency-scope: "bad label!" is not a valid label key/] },
  { argv: [...NODE, '--max-reboot-duration=10s', '--stale-lock-grace=1s'], match: [/--max-reboot-duration: must be at least 1m/, /--stale-lock-grace: must be at least 15s: .*Lease call .*set --stale-lock-grace=15s or longer/] },
  { argv: [...NODE, '--stale-lock-grace=14s'], match: [/--stale-lock-grace: must be at least 15s/] },
  { argv: [...NODE, '--prometheus-url=prom:9090'], match: [/--prometheus-url: expected an http:\/\/ or https:\/\/ URL/] },
  { argv: [...NODE, '--alert-filter-regexp=(x'], match: [/--alert-filter-regexp: has no effect without --prometheus-url/] },
  { argv: [...NODE, '--prometheus-url=http://p', '--alert-filter-regexp=(x'], match: [/--alert-filter-regexp: not a valid regular expression/] },
  { argv: [...NODE, '--blocking-pod-selector=app==', '--blocking-pod-selector=a b'], match: [/--blocking-pod-selector: "a b" is not a selector requirement/] },
  { argv: [...NODE, '--drain-grace-period=soon'], match: [/--drain-grace-period: expected a whole number/] },
  { argv: [...NODE, '--reboot-method=kexec'], match: [/--reboot-method: expected command or signal, got "kexec"/] },
  { argv: [...NODE, '--reboot-method=signal', '--reboot-signal=99'], match: [/--reboot-signal: expected a whole number from 1 to 64/] },
  { argv: [...NODE, '--notify-url=slack://token@channel'], match: [/--notify-url: slack: no Slack token in the URL; expected slack:\/\/hook:<A>-<B>-<C>@webhook/] },
  { argv: [...NODE, '--pre-reboot-node-labels=novalue'], match: [/--pre-reboot-node-labels: "novalue" is not a label such as/] },
  { argv: [...NODE, '--log-format=xml', '--dry-run=maybe'], match: [/--log-format: expected json or text/, /--dry-run: expected true or false, got "maybe"/] },
  { argv: [...NODE, '--reboot-sentinel=relative/path'], match: [/--reboot-sentinel: expected an absolute path/] },
  { argv: [...NODE, '--reboot-on-condition=KernelDeadlock', '--reboot-on-condition=Ready=False', '--reboot-on-condition=X=Maybe', '--reboot-on-condition=Y=True:for soon'], match: [/--reboot-on-condition: expected TYPE=STATUS\[:for DURATION\], e\.g\. "KernelDeadlock=True:for 5m"/, /--reboot-on-condition: the kubelet's Ready condition/, /--reboot-on-condition: status "Maybe" of X must be True, False or Unknown/, /--reboot-on-condition: "for soon" of Y: expected a duration/] },
  { argv: [...NODE, '--reboot-on-condition=A=True', '--reboot-on-condition=A=False', '--condition-ignore-window=B'], match: [/--reboot-on-condition: A is named twice/, /--condition-ignore-window: "B" is not a type given to --reboot-on-condition \(A=True\); add --reboot-on-condition=B=True or remove this value/] },
  { argv: [...NODE, '--condition-max-share=0.3', '--condition-reboots-per-hour=0', '--condition-clear-timeout=10s'], match: [/--condition-max-share: expected a percentage from 1% to 100%, e\.g\. 30%, got "0\.3"/, /--condition-reboots-per-hour: expected a whole number from 1/, /--condition-clear-timeout: must be at least 1m/] },
  { argv: [...NODE, '--colour=red', 'stray', '--period'], match: [/unknown flag --colour/, /unexpected argument "stray"/, /--period: missing value/] },
];
for (const c of bad) {
  test(`agent config refuses ${c.argv.join(' ') || JSON.stringify(c.env ?? {})}`, () => {
    const r = parseConfig(c.argv, c.env ?? {});
    assert.ok(!r.ok, 'expected errors');
    const all = r.errors.join('\n');
    for (const m of c.match) assert.match(all, m);
  });
}

test('agent config: all errors at once', () => {
  const r = parseConfig(['--concurrency=0', '--period=x', '--reboot-method=y'], {});
  assert.ok(!r.ok);
  assert.equal(r.errors.length, 4, r.errors.join('\n'));
});

test('agent config: usage lists every flag', () => {
  const u = usage();
  for (const f of FLAGS) assert.ok(u.includes(`--${f.name}`), f.name);
});

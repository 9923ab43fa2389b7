// The agent's configuration, validated once at start-up: the rest of the agent only sees a valid
// AgentConfig. Every problem is reported at once, each naming its flag (and environment variable)
// and the fix; Kured flags that nodemend replaces give a warning that says by what (kured.ts).

import type { DrainOptions } from '../ports.ts';
import type { Window } from '../schedule/window.ts';
import { kuredWindow, parseCronWindow, parseDays, parseTimeOfDay, parseWindow, parseZone } from '../schedule/parse.ts';
import { parseDuration } from './duration.ts';
import { MIN_LEASE_CALL_MS, MIN_STALE_LOCK_GRACE_MS } from '../lock/slots.ts';
import { readFlags, type Env } from './flags.ts';
import * as v from './validate.ts';
import { IGNORED, goRegexp, kuredNotify, kuredZone, labelKeysWarning, policyWarnings } from './kured.ts';
import type { NotifyTarget } from '../notify/shoutrrr.ts';
import { parseConditionRule, ruleKey, type ConditionRule } from '../conditions/rules.ts';

export interface AgentConfig {
  nodeId: string;
  kubeconfig?: string;
  sentinel: { kind: 'file'; path: string } | { kind: 'command'; argv: string[] };
  periodMs: number;
  /** Node conditions that ask for a reboot (--reboot-on-condition) and their storm protection. */
  conditions: ConditionConfig;
  windows: Window[];
  rebootDelayMs: number;
  drainDelayMs: number;
  dsNamespace: string;
  dsName: string;
  lockNamespace: string;
  concurrency: number;
  scope?: { label: string; limit: number };
  lockReleaseDelayMs: number;
  maxRebootDurationMs: number;
  staleLockGraceMs: number;
  /** Kured's DaemonSet and lock annotation, read during a cutover; undefined = off (--kured-ds-name empty). */
  kured?: { namespace: string; name: string; annotation: string };
  prometheus?: { url: string; filter?: RegExp; matchOnly: boolean; firingOnly: boolean };
  blockingPodSelectors: string[];
  drain: DrainOptions;
  drainPrecheck: boolean;
  forceReboot: boolean;
  preferNoScheduleTaint?: string;
  reboot: { method: 'command'; argv: string[] } | { method: 'signal'; signal: number };
  rebootVerifyTimeoutMs: number;
  preRebootLabels: Record<string, string>;
  postRebootLabels: Record<string, string>;
  healthGate: boolean;
  healthGateTimeoutMs: number;
  /** Where notifications go: nodemend's webhook or a shoutrrr service (Kured's --notify-url). */
  notify?: NotifyTarget;
  messages: { drain: string; reboot: string; uncordon: string };
  metrics: { host: string; port: number };
  logFormat: 'json' | 'text';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  dryRun: boolean;
}

export interface ConditionConfig {
  rules: ConditionRule[];
  clearTimeoutMs: number;
  perHour: number;
  /** 0..1: more than this share of nodes showing a condition is a storm. */
  maxShare: number;
}

export type ConfigResult = { ok: true; config: AgentConfig; warnings: string[] } | { ok: false; errors: string[] };

export function parseConfig(argv: readonly string[], env: Env): ConfigResult {
  const raw = readFlags(argv, env);
  const errors = [...raw.errors];
  const warnings = [...raw.warnings];
  const one = (name: string): string | undefined => raw.values.get(name)?.[0];
  const many = (name: string): string[] => raw.values.get(name) ?? [];
  const label = (name: string) => raw.source.get(name) ?? `--${name}`;
  /** Validates a flag's value; on error records it and returns the fallback (never used: ok=false). */
  function check<T>(name: string, r: v.V<T>, fallback: T): T {
    if (r.ok) return r.value;
    errors.push(`${label(name)}: ${r.error}`);
    return fallback;
  }
  const dur = (name: string) => {
    const d = parseDuration(one(name) ?? '0');
    // NaN on error, so range checks below stay quiet and each flag is reported once.
    return check(name, d.ok ? { ok: true, value: d.ms } : d, NaN);
  };
  const flag = (name: string) => check(name, v.bool(one(name) ?? 'false'), false);
  const sched = <T>(name: string, r: { ok: true; value: T } | { ok: false; error: string }, fallback: T): T => {
    if (r.ok) return r.value;
    // The schedule parsers name the flag themselves; say where an env value came from.
    const src = raw.source.get(name);
    errors.push(src && !src.startsWith('--') ? `${src}: ${r.error}` : r.error);
    return fallback;
  };

  const nodeRaw = one('node-id') ?? env.NODE_ID;
  const nodeId = nodeRaw === undefined ? '' : check('node-id', v.dnsSubdomain(nodeRaw.trim()), '');
  if (nodeRaw === undefined) errors.push('--node-id: required; set --node-id=<node name> or the env NODE_ID (in a DaemonSet: fieldRef spec.nodeName)');

  const sentinelCmd = one('reboot-sentinel-command') ?? '';
  const sentinel: AgentConfig['sentinel'] = sentinelCmd.trim()
    ? { kind: 'command', argv: check('reboot-sentinel-command', v.command(sentinelCmd), []) }
    : { kind: 'file', path: one('reboot-sentinel')! };
  if (sentinel.kind === 'file' && !sentinel.path.startsWith('/')) errors.push(`${label('reboot-sentinel')}: expected an absolute path such as /var/run/reboot-required`);
  if (sentinel.kind === 'command' && raw.explicit.has('reboot-sentinel')) warnings.push(`${label('reboot-sentinel')} is not used: --reboot-sentinel-command decides instead (as in Kured)`);

  const periodMs = dur('period');
  if (periodMs < 1000) errors.push(`${label('period')}: must be at least 1s`);

  const conditions = conditionConfig();
  function conditionConfig(): ConditionConfig {
    const rules: ConditionRule[] = [];
    for (const r of many('reboot-on-condition')) {
      const p = check<ConditionRule | undefined>('reboot-on-condition', parseConditionRule(r), undefined);
      if (!p) continue;
      if (rules.some((x) => x.type === p.type)) errors.push(`${label('reboot-on-condition')}: ${p.type} is named twice; give each condition type once`);
      else rules.push(p);
    }
    for (const t of many('condition-ignore-window').map((x) => x.trim())) {
      const r = rules.find((x) => x.type === t);
      if (r) r.urgent = true;
      else errors.push(`${label('condition-ignore-window')}: ${JSON.stringify(t)} is not a type given to --reboot-on-condition${rules.length ? ` (${rules.map(ruleKey).join(', ')})` : ''}; add --reboot-on-condition=${t || 'TYPE'}=True or remove this value`);
    }
    const clearTimeoutMs = dur('condition-clear-timeout');
    if (clearTimeoutMs < 60_000) errors.push(`${label('condition-clear-timeout')}: must be at least 1m (a node takes a while to boot and node-problem-detector to report)`);
    const perHour = check('condition-reboots-per-hour', v.int(one('condition-reboots-per-hour')!, 1, 10_000), 1);
    const shareRaw = one('condition-max-share')!.trim();
    const pct = /^(\d{1,3})%?$/.exec(shareRaw);
    const share = pct ? Number(pct[1]) : NaN;
    if (!(share >= 1 && share <= 100)) errors.push(`${label('condition-max-share')}: expected a percentage from 1% to 100%, e.g. 30%, got ${JSON.stringify(shareRaw)}`);
    return { rules, clearTimeoutMs, perHour, maxShare: share / 100 };
  }

  // Windows: nodemend's --window/--window-cron, or Kured's day/time flags, never both (their
  // union would silently widen what the user meant).
  const zoneRaw = check('time-zone', kuredZone(one('time-zone')!), 'UTC');
  const zone = sched('time-zone', parseZone('--time-zone', zoneRaw), 'UTC');
  const cronDur = dur('window-cron-duration');
  if (cronDur <= 0) errors.push(`${label('window-cron-duration')}: must be longer than 0`);
  const windows: Window[] = [];
  for (const w of many('window')) windows.push(...opt(sched('window', parseWindow('--window', w, zone), undefined)));
  for (const w of many('window-cron')) windows.push(...opt(sched('window-cron', parseCronWindow('--window-cron', w, cronDur || 3_600_000, zone), undefined)));
  const kuredGiven = ['reboot-days', 'start-time', 'end-time'].filter((n) => raw.values.has(n));
  if (kuredGiven.length && (many('window').length || many('window-cron').length)) {
    errors.push(`--${kuredGiven[0]}: cannot be combined with --window/--window-cron; write the Kured window as --window "<days> <start>-<end>" instead`);
  } else if (!many('window').length && !many('window-cron').length) {
    // Kured's days are a comma list; given but empty (--reboot-days= or KURED_REBOOT_DAYS="") it
    // is no day at all, Kured's kill switch: nothing reboots.
    const dayList = many('reboot-days').join(',');
    const noDay = raw.values.has('reboot-days') && dayList.split(',').every((d) => d.trim() === '');
    const days = noDay ? new Set<number>() : sched('reboot-days', parseDays('--reboot-days', dayList || '*'), new Set<number>());
    if (noDay) {
      warnings.push(
        `${label('reboot-days')} is empty: no day is a reboot day, so this node never reboots by itself (Kured's kill switch); a person's nodemend.dev/force-reboot still works. Give days, e.g. --reboot-days=mon,tue, to reboot again`,
      );
    }
    const start = sched('start-time', parseTimeOfDay('--start-time', one('start-time') ?? '0:00', false, true), 0);
    const end = sched('end-time', parseTimeOfDay('--end-time', one('end-time') ?? '23:59:59', true, true), 86_399);
    const text = `${noDay ? 'no day' : dayList || 'every day'} ${one('start-time') ?? '0:00'}-${one('end-time') ?? '23:59:59'} ${zone}`;
    windows.push(kuredWindow(days, start, end, zone, text));
  }

  const dsNamespace = check('ds-namespace', v.dnsLabel(one('ds-namespace')!), '');
  const dsName = check('ds-name', v.dnsSubdomain(one('ds-name')!), '');
  const lockNamespace = check('lock-namespace', v.dnsLabel(one('lock-namespace') ?? dsNamespace), '');
  const concurrency = check('concurrency', v.int(one('concurrency')!, 1, 1000), 1);
  const scopeLabel = (one('concurrency-scope') ?? '').trim();
  const perScope = one('concurrency-per-scope');
  let scope: AgentConfig['scope'];
  if (scopeLabel) {
    scope = { label: check('concurrency-scope', v.labelKey(scopeLabel), ''), limit: check('concurrency-per-scope', v.int(perScope ?? '1', 1, 1000), 1) };
  } else if (perScope !== undefined) {
    errors.push(`${label('concurrency-per-scope')}: has no effect without --concurrency-scope; add e.g. --concurrency-scope=topology.kubernetes.io/zone`);
  }
  const maxRebootDurationMs = dur('max-reboot-duration');
  if (maxRebootDurationMs < 60_000) errors.push(`${label('max-reboot-duration')}: must be at least 1m (a holder rebooting longer loses its slot)`);
  const staleLockGraceMs = dur('stale-lock-grace');
  if (staleLockGraceMs < MIN_STALE_LOCK_GRACE_MS) {
    errors.push(
      `${label('stale-lock-grace')}: must be at least ${MIN_STALE_LOCK_GRACE_MS / 1000}s: a holder renews every grace/3 and a Lease call on a loaded API server ` +
        `may need ${MIN_LEASE_CALL_MS / 1000}s, so a shorter grace makes a live holder look stale; set --stale-lock-grace=${MIN_STALE_LOCK_GRACE_MS / 1000}s or longer (default 5m)`,
    );
  }
  for (const name of ['lock-ttl', 'lock-annotation', 'slack-username', 'slack-channel']) if (raw.explicit.has(name)) warnings.push(IGNORED[name]);
  const kuredName = (one('kured-ds-name') ?? '').trim();
  // Kured's own --lock-annotation names the annotation of Kured's lock: the cut-over reads it there.
  const kuredAnnotation = raw.explicit.has('lock-annotation') && !raw.explicit.has('kured-lock-annotation') ? one('lock-annotation') : one('kured-lock-annotation');
  const kured: AgentConfig['kured'] = kuredName
    ? { namespace: check('kured-ds-namespace', v.dnsLabel((one('kured-ds-namespace') ?? '').trim()), ''), name: check('kured-ds-name', v.dnsSubdomain(kuredName), ''), annotation: check(raw.explicit.has('kured-lock-annotation') ? 'kured-lock-annotation' : 'lock-annotation', v.labelKey((kuredAnnotation ?? '').trim()), '') }
    : undefined;
  if (flag('annotate-nodes')) warnings.push(IGNORED['annotate-nodes']);

  const promUrl = (one('prometheus-url') ?? '').trim();
  const filterRaw = one('alert-filter-regexp') ?? '';
  const prometheus: AgentConfig['prometheus'] = promUrl
    ? {
        url: check('prometheus-url', v.httpUrl(promUrl, 'e.g. http://prometheus.monitoring:9090'), ''),
        ...(filterRaw ? { filter: check('alert-filter-regexp', goRegexp(filterRaw), /$^/) } : {}),
        matchOnly: flag('alert-filter-match-only'),
        firingOnly: flag('alert-firing-only'),
      }
    : undefined;
  if (!promUrl && filterRaw) errors.push(`${label('alert-filter-regexp')}: has no effect without --prometheus-url; add --prometheus-url=http://prometheus:9090`);
  const blockingPodSelectors = many('blocking-pod-selector').map((s) => check('blocking-pod-selector', v.labelSelector(s), ''));
  if (env.KURED_BLOCKING_POD_SELECTOR !== undefined) {
    warnings.push('KURED_BLOCKING_POD_SELECTOR is read as one more --blocking-pod-selector; Kured 1.23 skips this variable, so pods it matches now block reboots');
  }

  const drainSel = (one('drain-pod-selector') ?? '').trim();
  const drain: DrainOptions = {
    // Kured: any negative value means each pod's own grace period.
    gracePeriodSeconds: Math.max(-1, check('drain-grace-period', v.int(one('drain-grace-period')!, Number.MIN_SAFE_INTEGER, 86_400), -1)),
    timeoutMs: dur('drain-timeout'),
    skipWaitForDeleteTimeoutSeconds: check('skip-wait-for-delete-timeout', v.int(one('skip-wait-for-delete-timeout')!, 0, 86_400), 0),
    podSelector: drainSel ? check('drain-pod-selector', v.labelSelector(drainSel), '') : '',
    deleteEmptyDirData: flag('drain-delete-emptydir-data'),
    force: flag('drain-unmanaged-pods'),
  };
  const taint = (one('prefer-no-schedule-taint') ?? '').trim();

  const method = check('reboot-method', v.oneOf(one('reboot-method')!, ['command', 'signal'] as const), 'command');
  const reboot: AgentConfig['reboot'] =
    method === 'signal'
      ? { method, signal: check('reboot-signal', v.int(one('reboot-signal')!, 1, 64), 39) }
      : { method, argv: check('reboot-command', v.command(one('reboot-command')!), []) };

  const notified = kuredNotify({
    notifyUrl: one('notify-url'),
    notifyLabel: label('notify-url'),
    slackHookUrl: one('slack-hook-url'),
    slackLabel: label('slack-hook-url'),
    format: check('notify-format', v.oneOf(one('notify-format')!, ['auto', 'json', 'slack'] as const), 'auto'),
  });
  errors.push(...notified.errors);
  warnings.push(...notified.warnings);
  const notify = notified.target;

  const config: AgentConfig = {
    nodeId,
    sentinel,
    periodMs,
    conditions,
    windows,
    rebootDelayMs: dur('reboot-delay'),
    drainDelayMs: dur('drain-delay'),
    dsNamespace,
    dsName,
    lockNamespace,
    concurrency,
    lockReleaseDelayMs: dur('lock-release-delay'),
    maxRebootDurationMs,
    staleLockGraceMs,
    blockingPodSelectors,
    drain,
    drainPrecheck: flag('drain-precheck'),
    forceReboot: flag('force-reboot'),
    reboot,
    rebootVerifyTimeoutMs: dur('reboot-verify-timeout'),
    preRebootLabels: check('pre-reboot-node-labels', v.labels(many('pre-reboot-node-labels')), {}),
    postRebootLabels: check('post-reboot-node-labels', v.labels(many('post-reboot-node-labels')), {}),
    healthGate: flag('health-gate'),
    healthGateTimeoutMs: dur('health-gate-timeout'),
    messages: { drain: one('message-template-drain')!, reboot: one('message-template-reboot')!, uncordon: one('message-template-uncordon')! },
    metrics: { host: (one('metrics-host') ?? '').trim(), port: check('metrics-port', v.int(one('metrics-port')!, 0, 65_535), 8080) },
    logFormat: check('log-format', v.oneOf(one('log-format')!, ['json', 'text'] as const), 'json'),
    logLevel: check('log-level', v.oneOf(one('log-level')!, ['debug', 'info', 'warn', 'error'] as const), 'info'),
    dryRun: flag('dry-run'),
  };
  const labelKeys = labelKeysWarning(config.preRebootLabels, config.postRebootLabels);
  if (labelKeys) warnings.push(labelKeys);
  warnings.push(...policyWarnings([...Object.keys(config.preRebootLabels), ...Object.keys(config.postRebootLabels)], taint || undefined));
  if (config.rebootVerifyTimeoutMs < 30_000) errors.push(`${label('reboot-verify-timeout')}: must be at least 30s (a reboot takes a while to begin)`);
  if (config.healthGate && config.healthGateTimeoutMs <= 0) errors.push(`${label('health-gate-timeout')}: must be longer than 0 when --health-gate is on`);
  if (one('kubeconfig')) config.kubeconfig = one('kubeconfig');
  if (scope) config.scope = scope;
  if (kured) config.kured = kured;
  if (kured && dsNamespace === kured.namespace && dsName === kured.name) {
    warnings.push(`${label('ds-name')}=${dsName} in ${dsNamespace} is Kured's DaemonSet: --ds-namespace/--ds-name name nodemend's own DaemonSet (default nodemend/nodemend-agent); Kured's is --kured-ds-namespace/--kured-ds-name`);
  }
  if (prometheus) config.prometheus = prometheus;
  if (taint) config.preferNoScheduleTaint = check('prefer-no-schedule-taint', v.labelKey(taint), '');
  if (notify) config.notify = notify;
  return errors.length ? { ok: false, errors } : { ok: true, config, warnings };
}

function opt<T>(x: T | undefined): T[] {
  return x === undefined ? [] : [x];
}

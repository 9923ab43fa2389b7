// Kured's side of the agent's flags: what each of Kured 1.23's 43 flags (kubereboot/kured at
// 51220cc, cmd/kured/main.go) becomes in nodemend, and the translations that make a Kured
// DaemonSet's args and env mean here what they meant there. A Kured flag is accepted with Kured's
// meaning, or accepted and ignored with a start-up warning that names what nodemend does instead;
// a value Kured would take but nodemend cannot honour stops start-up with an error naming it.
// docs/migrating-from-kured.md is generated from KURED_FLAGS (scripts/kured-flags-doc.ts).

import type { NotifyTarget } from '../notify/shoutrrr.ts';
import { parseNotifyUrl, stripQuotes } from '../notify/shoutrrr.ts';
import type { V } from './validate.ts';

export type KuredStatus =
  /** Accepted; means what it means in Kured, with the same default. */
  | 'same'
  /** Accepted with Kured's meaning; nodemend's default differs (the note says why). */
  | 'default differs'
  /** Accepted and ignored with a start-up warning naming nodemend's replacement. */
  | 'replaced'
  /** Accepted; Kured 1.23 does nothing with it either (a warning says so). */
  | 'no effect';

export interface KuredFlag {
  name: string;
  /** Kured 1.23's default, as its flag definition has it ("" = empty, none = an empty list). */
  kuredDefault: string;
  status: KuredStatus;
  /** What nodemend does with it, for the migration guide. */
  note: string;
}

const K = (name: string, kuredDefault: string, status: KuredStatus, note = ''): KuredFlag => ({ name, kuredDefault, status, note });

/** Kured 1.23's flags, in the order of its main.go. */
export const KURED_FLAGS: readonly KuredFlag[] = [
  K('node-id', '', 'same', 'also from NODE_ID; the DaemonSet sets KURED_NODE_ID or NODE_ID from spec.nodeName'),
  K('force-reboot', 'false', 'same'),
  K('metrics-host', '', 'same'),
  K('metrics-port', '8080', 'same', 'serves kured_reboot_required as Kured does, plus nodemend_* series, /healthz and /readyz'),
  K('drain-grace-period', '-1', 'same', 'any negative value: each pod\'s own terminationGracePeriodSeconds'),
  K('drain-pod-selector', '', 'same'),
  K('skip-wait-for-delete-timeout', '0', 'same'),
  K('drain-delay', '0', 'same'),
  K('drain-timeout', '0', 'same'),
  K('reboot-delay', '0', 'same'),
  K('reboot-method', 'command', 'same'),
  K('period', '1h', 'default differs', 'nodemend re-checks every 1m (jittered) and watches the sentinel file besides; --period=1h keeps Kured\'s pace'),
  K('ds-namespace', 'kube-system', 'default differs', 'the namespace of nodemend\'s own DaemonSet; the lock Leases live there unless --lock-namespace says otherwise. Kured\'s DaemonSet is --kured-ds-namespace (a warning says so when both name the same)'),
  K('ds-name', 'kured', 'default differs', 'the name of nodemend\'s own DaemonSet, which carries the cluster-wide block annotations. Kured\'s is --kured-ds-name'),
  K('lock-annotation', 'weave.works/kured-node-lock', 'replaced', 'nodemend locks with Lease objects in --lock-namespace, one per slot; during the cut-over it reads Kured\'s lock from this annotation (--kured-lock-annotation)'),
  K('lock-ttl', '0', 'replaced', '--max-reboot-duration frees a NotReady holder\'s slot (default 30m), --stale-lock-grace one whose agent stopped renewing (default 5m)'),
  K('lock-release-delay', '0', 'same'),
  K('prometheus-url', '', 'same'),
  K('alert-filter-regexp', '', 'same', 'Go syntax: a leading (?i), (?s) or (?m) and (?P<name>…) groups are read as Go reads them'),
  K('alert-filter-match-only', 'false', 'same'),
  K('alert-firing-only', 'false', 'same'),
  K('reboot-sentinel', '/var/run/reboot-required', 'same', 'an absolute path; unused when --reboot-sentinel-command is set (a warning says so)'),
  K('prefer-no-schedule-taint', '', 'same', 'nodemend\'s admission policy allows only keys under nodemend.dev/ (e.g. nodemend.dev/kured-node-reboot); another key is warned about at start-up'),
  K('reboot-sentinel-command', '', 'same', 'split into words as Kured splits it (shell quoting, no shell); exit 0 = reboot needed, 1 = not, anything else is reported and counts as not needed'),
  K('reboot-command', '/bin/systemctl reboot', 'same', 'split into words as Kured splits it; run in the host\'s mount namespace'),
  K('concurrency', '1', 'same', 'nodes rebooting at once in the whole cluster; --concurrency-scope adds a limit per zone or pool'),
  K('reboot-signal', '39', 'same'),
  K('slack-hook-url', '', 'same', 'deprecated in Kured: read as --notify-url=slack://<token>, with a warning; --notify-url wins when both are set'),
  K('slack-username', 'kured', 'no effect', 'Kured 1.23 never reads it; name the bot in the URL: slack://hook:<token>@webhook?botname=<name>'),
  K('slack-channel', '', 'no effect', 'Kured 1.23 never reads it; a Slack webhook posts to the channel it was made for'),
  K('notify-url', '', 'same', 'shoutrrr\'s slack://, teams:// (Workflows), generic:// and smtp:// URLs, surrounding quotes stripped as Kured strips them; a plain http(s) URL is nodemend\'s own webhook (--notify-format); other services are refused by name'),
  K('message-template-uncordon', 'Node %s rebooted & uncordoned successfully!', 'default differs', 'nodemend leaves a node cordoned by someone else cordoned, so its default says "back in service"'),
  K('message-template-drain', 'Draining node %s', 'same'),
  K('message-template-reboot', 'Rebooting node %s', 'same'),
  K('blocking-pod-selector', 'none', 'same', 'KURED_BLOCKING_POD_SELECTOR, which Kured 1.23 skips, counts as one more selector (a warning says so)'),
  K('reboot-days', 'su,mo,tu,we,th,fr,sa', 'same', 'empty (--reboot-days= or KURED_REBOOT_DAYS="") is no day at all: nothing reboots, and a start-up warning says so; ranges such as mon-fri work too'),
  K('start-time', '0:00', 'same', 'Kured\'s forms (22:00, 22:00:30, 10:30pm, 10pm, a lone hour 22)'),
  K('end-time', '23:59:59', 'same', 'inclusive; a window wraps past midnight when the end is before the start'),
  K('time-zone', 'UTC', 'same', 'an IANA name; Local (the container\'s zone in Kured) is refused: name the zone'),
  K('annotate-nodes', 'false', 'replaced', 'nodemend publishes each node\'s reboot state in the annotation nodemend.dev/state (phase, since, rebootRequired) and Events'),
  K('log-format', 'text', 'default differs', 'nodemend logs JSON unless --log-format=text'),
  K('pre-reboot-node-labels', 'none', 'same', 'nodemend\'s admission policy allows only keys under agent.nodemend.dev/ (e.g. agent.nodemend.dev/kured=rebooting); another key is warned about at start-up'),
  K('post-reboot-node-labels', 'none', 'same', 'as --pre-reboot-node-labels; different keys in the two lists are warned about, as in Kured'),
];

/** The start-up warning of each Kured flag nodemend accepts and ignores. */
export const IGNORED: Record<string, string> = {
  'lock-ttl': '--lock-ttl is ignored: nodemend frees stale lock slots by --max-reboot-duration (holder down, default 30m) and --stale-lock-grace (holder up, agent gone, default 5m)',
  'lock-annotation': "--lock-annotation is not nodemend's lock: nodemend locks with Lease objects in --lock-namespace, and reads Kured's lock from this annotation during the cut-over (as --kured-lock-annotation)",
  'annotate-nodes':
    '--annotate-nodes is ignored: nodemend does not write weave.works/kured-reboot-in-progress nor weave.works/kured-most-recent-reboot-needed; it publishes the node\'s reboot state in the annotation nodemend.dev/state (phase, since, rebootRequired) and as Events: read those instead',
  'slack-username': '--slack-username has no effect (Kured 1.23 does not use it either); name the bot in the URL: --notify-url=slack://hook:<token>@webhook?botname=<name>',
  'slack-channel': '--slack-channel has no effect (Kured 1.23 does not use it either); a Slack webhook posts to the channel it was made for',
};

/**
 * --alert-filter-regexp in Go's syntax: a leading flag group (?i), (?s), (?m) or a mix, and
 * (?P<name>…) groups, which JavaScript writes differently. Anything else JavaScript cannot read is
 * an error naming the flag.
 */
export function goRegexp(raw: string): V<RegExp> {
  let src = raw;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('U')) return { ok: false, error: 'the Go flag U (ungreedy) has no JavaScript equivalent; write lazy quantifiers such as .*? instead' };
    flags = [...new Set(lead[1])].join('');
    src = src.slice(lead[0].length);
  }
  src = src.replaceAll('(?P<', '(?<');
  try {
    return { ok: true, value: new RegExp(src, flags) };
  } catch (e) {
    return { ok: false, error: `not a valid regular expression (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** Kured's --time-zone goes through Go's time.LoadLocation: "" is UTC, Local the container's zone. */
export function kuredZone(raw: string): V<string> {
  const z = raw.trim();
  if (z === '') return { ok: true, value: 'UTC' };
  if (z === 'Local') return { ok: false, error: '"Local" is the container\'s own zone in Kured (usually UTC); name the zone, e.g. UTC or Europe/Berlin' };
  return { ok: true, value: z };
}

export interface NotifyInput {
  notifyUrl?: string;
  notifyLabel: string;
  slackHookUrl?: string;
  slackLabel: string;
  format: 'json' | 'slack' | 'auto';
}

/**
 * Kured's validateNotificationURL: --notify-url (quotes stripped) wins; else a deprecated
 * --slack-hook-url https://hooks.slack.com/services/A/B/C becomes slack://A/B/C. Kured logs a bad
 * hook URL and runs without notifications; nodemend stops with the fix instead.
 */
export function kuredNotify(o: NotifyInput): { target?: NotifyTarget; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const url = stripQuotes((o.notifyUrl ?? '').trim());
  const hook = stripQuotes((o.slackHookUrl ?? '').trim());
  if (url && hook) warnings.push(`${o.slackLabel} is ignored: ${o.notifyLabel} is set too, and it wins (as in Kured)`);
  if (url) {
    const r = parseNotifyUrl(url, o.format);
    if (r.ok) return { target: r.value, errors, warnings };
    errors.push(`${o.notifyLabel}: ${r.error}`);
    return { errors, warnings };
  }
  if (!hook) return { errors, warnings };
  let path: string;
  try {
    path = new URL(hook).pathname;
  } catch {
    errors.push(`${o.slackLabel}: not a URL; give the Slack webhook URL https://hooks.slack.com/services/<A>/<B>/<C>, or better --notify-url=slack://hook:<A>-<B>-<C>@webhook`);
    return { errors, warnings };
  }
  const token = path.replaceAll('/services/', '');
  if (token.split('/').length !== 3) {
    errors.push(`${o.slackLabel}: expected https://hooks.slack.com/services/<A>/<B>/<C> (three parts after /services/)`);
    return { errors, warnings };
  }
  warnings.push(`${o.slackLabel} is deprecated (in Kured too); write --notify-url=slack://hook:<A>-<B>-<C>@webhook instead`);
  const r = parseNotifyUrl(`slack://${token}`, o.format);
  if (!r.ok) errors.push(`${o.slackLabel}: ${r.error}`);
  return r.ok ? { target: r.value, errors, warnings } : { errors, warnings };
}

/** Kured's validateNodeLabels: the two label lists should set the same keys (a warning, as in Kured). */
export function labelKeysWarning(pre: Record<string, string>, post: Record<string, string>): string | undefined {
  const a = Object.keys(pre).sort().join(',');
  const b = Object.keys(post).sort().join(',');
  return a === b ? undefined : '--pre-reboot-node-labels and --post-reboot-node-labels set different keys, so a label set before the reboot is never put back (Kured warns about this too)';
}

/**
 * nodemend's admission policy (deploy/base/agent-policy.yaml, also in the Helm chart) lets an agent
 * write on its Node only labels under agent.nodemend.dev/ and PreferNoSchedule taints under
 * nodemend.dev/, so that a stolen agent token cannot attract workloads. Kured's usual keys
 * (kured=rebooting, weave.works/kured-node-reboot) are refused there at the first reboot, and the
 * agent then waits with its lock slot: say so at start-up, with the key to use.
 */
export function policyWarnings(labelKeys: readonly string[], taint: string | undefined): string[] {
  const out: string[] = [];
  const bad = [...new Set(labelKeys)].filter((k) => !k.startsWith('agent.nodemend.dev/'));
  if (bad.length) {
    out.push(
      `--pre-reboot-node-labels/--post-reboot-node-labels: ${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not under agent.nodemend.dev/, which nodemend's admission policy (nodemend-agent-own-node) requires: with the policy installed the label write is refused at the reboot and the agent waits holding its lock; use e.g. agent.nodemend.dev/${bad[0].split('/').pop()}`,
    );
  }
  if (taint && !taint.startsWith('nodemend.dev/')) {
    out.push(
      `--prefer-no-schedule-taint: ${taint} is not under nodemend.dev/, which nodemend's admission policy (nodemend-agent-own-node) requires: with the policy installed the taint is refused while the node waits for the lock; use e.g. nodemend.dev/${taint.split('/').pop()}`,
    );
  }
  return out;
}

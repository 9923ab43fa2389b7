// `kubectl nodemend --help` and `kubectl nodemend COMMAND --help`. Each write names the
// annotation it sets, so a person can see (and script with kubectl annotate) exactly what it does.

import { A } from '../protocol/annotations.ts';
import { TIME_FORMS } from '../extension/commands/time-input.ts';
import { COMMANDS } from './args.ts';

const TOPICS: Record<string, string> = {
  status: `kubectl nodemend status [NODE...] [-o table|wide|json|yaml]
  Each node's reboot phase and why, the next reboot window, the lock slot it holds or its place in
  the queue, and its last reboot. A cluster-wide block is shown above the table.`,
  schedule: `kubectl nodemend schedule NODE... (--at TIME [--tz ZONE] | --in DURATION)
  Reboot once the time has passed, inside the reboot window (sets ${A.rebootAfter}).
  TIME: ${TIME_FORMS}. DURATION: 30m, 2h, 1h30m, 1d.`,
  force: `kubectl nodemend force NODE... --yes
  Reboot now, outside the window and despite blocks; it still drains and takes a lock slot
  (sets ${A.forceReboot}).`,
  block: `kubectl nodemend block NODE... --reason TEXT [--for DURATION | --until TIME [--tz ZONE]]
  Keep the nodes from rebooting (sets ${A.block} and ${A.blockUntil}).`,
  unblock: `kubectl nodemend unblock NODE...
  Remove a block (removes ${A.block} and ${A.blockUntil}).`,
  cancel: `kubectl nodemend cancel NODE...
  Withdraw a scheduled or forced reboot that has not started (removes ${A.rebootAfter} and ${A.forceReboot}).`,
  history: `kubectl nodemend history NODE [-o table|wide|json|yaml]
  The node's state now and its last reboots (from ${A.history}).`,
  locks: `kubectl nodemend locks [-o table|wide|json|yaml]
  The lock slots (Leases nodemend-lock-*), who holds them, and the nodes waiting for one.`,
  pause: `kubectl nodemend pause --reason TEXT [--for DURATION | --until TIME [--tz ZONE]]
  Block reboots cluster-wide (${A.block} on the DaemonSet nodemend-agent).`,
  resume: `kubectl nodemend resume
  Remove the cluster-wide block.`,
  completion: `kubectl nodemend completion bash|zsh
  A completion script: source <(kubectl nodemend completion bash)`,
  version: `kubectl nodemend version
  The plugin's version and the commit it was built from.`,
};

const GLOBAL = `Flags for every command:
  --kubeconfig PATH   kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME      kubeconfig context (default: its current-context)
  -n, --namespace NS  namespace nodemend runs in (default: nodemend)
  -o, --output FMT    table (default), wide, json or yaml
  --tz ZONE           IANA time zone for typed and shown times (default: this machine's)
  -h, --help          help for a command`;

export function helpText(topic: string | undefined): { ok: boolean; text: string } {
  if (topic && TOPICS[topic]) return { ok: true, text: `${TOPICS[topic]}\n\n${GLOBAL}\n` };
  if (topic && topic !== 'help') return { ok: false, text: `error: unknown command "${topic}"; the commands are ${COMMANDS.join(', ')}.` };
  const list = Object.values(TOPICS).map((t) => `  ${t.split('\n')[0].replace('kubectl nodemend ', '')}`);
  return {
    ok: true,
    text: `kubectl nodemend: see and steer nodemend's node reboots with your own kubeconfig.\n\nCommands:\n${list.join('\n')}\n\n${GLOBAL}\n\nExit codes: 0 done, 1 the cluster refused or failed, 2 a usage error.\n`,
  };
}

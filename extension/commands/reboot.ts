// Schedule Reboot, Force Reboot and Cancel Request: each writes one documented annotation
// (protocol/annotations.ts) on the chosen nodes, with the user's own credentials.

import * as vscode from 'vscode';
import { cancelRequest, forceReboot, scheduleReboot } from '../kube/requests.ts';
import { chooseNodes, refuseReadOnly, report, writeNodes, type CommandEnv } from './env.ts';
import { forceDetail } from './force-text.ts';
import { formatWhen, parseWhen, TIME_FORMS } from './time-input.ts';

const zone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The earliest next window any of these nodes reported, if they are waiting for one. */
function nextWindow(env: CommandEnv, names: string[]): number | undefined {
  const times = (env.store.snapshot()?.nodes ?? [])
    .filter((n) => names.includes(n.name) && n.state?.nextWindow)
    .map((n) => Date.parse(n.state?.nextWindow ?? ''))
    .filter((t) => Number.isFinite(t) && t > Date.now());
  return times.length ? Math.min(...times) : undefined;
}

/** Asks when; undefined = cancelled. */
async function askWhen(env: CommandEnv, names: string[]): Promise<number | undefined> {
  const z = zone();
  const win = nextWindow(env, names);
  type Item = vscode.QuickPickItem & { at?: number; type: 'now' | 'window' | 'typed' };
  const items: Item[] = [
    { type: 'now', label: '$(play) Now, inside the reboot window', detail: 'Reboots as soon as a lock slot is free if the window is open now; otherwise when it opens.' },
  ];
  if (win !== undefined) items.push({ type: 'window', at: win, label: '$(watch) At the next window', description: formatWhen(win, z), detail: 'Not before the next reboot window opens.' });
  items.push({ type: 'typed', label: '$(edit) At a time…', detail: `Type a time, e.g. ${TIME_FORMS}` });
  const pick = await vscode.window.showQuickPick(items, { title: `Schedule Reboot: ${names.length === 1 ? names[0] : plural(names.length, 'node')} — when?`, placeHolder: 'When should the reboot happen?' });
  if (!pick) return undefined;
  if (pick.type === 'now') return Date.now();
  if (pick.type === 'window') return pick.at;
  const typed = await vscode.window.showInputBox({
    title: 'Schedule Reboot: at what time?',
    prompt: `Your time zone is ${z}. The reboot still waits for the reboot window.`,
    placeHolder: '22:00',
    validateInput: (v) => {
      if (!v.trim()) return undefined;
      const r = parseWhen(v, Date.now(), z);
      // Show what the text means while typing, so "22:00" is not a surprise tomorrow.
      return r.ok ? { message: `Reboot after ${formatWhen(r.at, z)}`, severity: vscode.InputBoxValidationSeverity.Info } : r.error;
    },
  });
  if (typed === undefined || !typed.trim()) return undefined;
  const r = parseWhen(typed, Date.now(), z);
  return r.ok ? r.at : undefined;
}

export async function scheduleRebootCmd(env: CommandEnv, args: unknown[]): Promise<void> {
  if (refuseReadOnly(env)) return;
  const names = await chooseNodes(env, args, 'schedule', 'Schedule Reboot');
  if (!names) return;
  const at = await askWhen(env, names);
  if (at === undefined) return;
  const when = at <= Date.now() + 5_000 ? 'as soon as the window allows' : `after ${formatWhen(at, zone())}`;
  const res = await writeNodes(env, names, scheduleReboot(at), (n) => `schedule a reboot of node ${n}`, `Scheduling reboot of ${plural(names.length, 'node')}`);
  await report(env, res, (list) => `Reboot scheduled for ${list}, ${when}.`);
}

export async function forceRebootCmd(env: CommandEnv, args: unknown[]): Promise<void> {
  if (refuseReadOnly(env)) return;
  const names = await chooseNodes(env, args, 'force', 'Force Reboot');
  if (!names) return;
  const who = names.length === 1 ? names[0] : `${plural(names.length, 'node')} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`;
  const yes = 'Force Reboot';
  const answer = await vscode.window.showWarningMessage(
    `Force a reboot of ${who} now?`,
    // What force skips and what still holds it, with what holds these nodes right now.
    { modal: true, detail: forceDetail(names, env.store.snapshot(), Date.now()) },
    yes,
  );
  if (answer !== yes) return;
  const res = await writeNodes(env, names, forceReboot(Date.now()), (n) => `force a reboot of node ${n}`, `Forcing reboot of ${plural(names.length, 'node')}`);
  await report(env, res, (list) => `Forced reboot requested for ${list}.`);
}

export async function cancelRequestCmd(env: CommandEnv, args: unknown[]): Promise<void> {
  if (refuseReadOnly(env)) return;
  const names = await chooseNodes(env, args, 'cancel', 'Cancel Reboot Request');
  if (!names) return;
  const res = await writeNodes(env, names, cancelRequest(), (n) => `cancel the reboot request of node ${n}`, `Cancelling reboot request of ${plural(names.length, 'node')}`);
  await report(env, res, (list) => `Reboot request cancelled for ${list}. A reboot already under way finishes.`);
}

// Block Reboots and Unblock, on nodes or on the whole cluster (annotations on the agent DaemonSet),
// with a reason (the same rules the agent applies) and an optional expiry.

import * as vscode from 'vscode';
import { parseReason } from '../../protocol/annotations.ts';
import { A } from '../../protocol/annotations.ts';
import { block, unblock } from '../kube/requests.ts';
import { showError } from '../log/log.ts';
import { nodesFromArgs } from './args.ts';
import { chooseNodes, refuseReadOnly, report, writeNodes, writer, type CommandEnv } from './env.ts';
import { formatWhen, parseUntil, TIME_FORMS } from './time-input.ts';

const zone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Palette invocation: the whole cluster, or nodes. undefined = cancelled. */
async function askScope(env: CommandEnv, verb: 'Block' | 'Unblock'): Promise<'cluster' | 'nodes' | undefined> {
  const perms = env.store.permissions();
  const snap = env.store.snapshot();
  const items: (vscode.QuickPickItem & { scope: 'cluster' | 'nodes' })[] = [];
  if (perms.patchClusterBlock && (verb === 'Block' || snap?.clusterBlock)) {
    items.push({ scope: 'cluster', label: '$(globe) Whole cluster', description: snap?.clusterBlock ? `blocked: ${snap.clusterBlock.reason}` : undefined });
  }
  items.push({ scope: 'nodes', label: '$(server) Some nodes…' });
  if (items.length === 1) return 'nodes';
  const pick = await vscode.window.showQuickPick(items, { title: `${verb} Reboots`, placeHolder: verb === 'Block' ? 'Block reboots where?' : 'Unblock where?' });
  return pick?.scope;
}

async function askReason(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Block Reboots: why?',
    prompt: 'The reason is shown to everyone who looks at the node (tree, dashboard, kubectl).',
    placeHolder: 'e.g. quarterly close, do not disturb',
    validateInput: (v) => {
      const r = parseReason(A.block, v);
      return r.ok ? undefined : r.error;
    },
  });
}

/** '' = no expiry; undefined = cancelled. */
async function askUntil(): Promise<number | '' | undefined> {
  const z = zone();
  const v = await vscode.window.showInputBox({
    title: 'Block Reboots: until when? (optional)',
    prompt: `Leave empty to block until someone unblocks. Your time zone is ${z}.`,
    placeHolder: `e.g. ${TIME_FORMS}`,
    validateInput: (s) => {
      const r = parseUntil(s, Date.now(), z);
      if (!r.ok) return r.error;
      return r.at === undefined ? undefined : { message: `Blocked until ${formatWhen(r.at, z)}`, severity: vscode.InputBoxValidationSeverity.Info };
    },
  });
  if (v === undefined) return undefined;
  const r = parseUntil(v, Date.now(), z);
  return r.ok ? (r.at ?? '') : undefined;
}

export async function blockCmd(env: CommandEnv, args: unknown[]): Promise<void> {
  if (refuseReadOnly(env)) return;
  const scope = nodesFromArgs(args) ? 'nodes' : await askScope(env, 'Block');
  if (!scope) return;
  const names = scope === 'nodes' ? await chooseNodes(env, args, 'block', 'Block Reboots') : [];
  if (!names) return;
  const reason = await askReason();
  if (reason === undefined) return;
  const until = await askUntil();
  if (until === undefined) return;
  const built = block(reason, until === '' ? undefined : until);
  const tail = until === '' ? 'until unblocked' : `until ${formatWhen(until, zone())}`;
  if (scope === 'cluster') {
    if (!built.ok) return void showError(env.log, built.error);
    const w = writer(env);
    if (!w) return;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Blocking reboots cluster-wide' }, () => w.cluster(built.patch, 'block reboots cluster-wide'));
    if (r.ok) void vscode.window.showInformationMessage(`Reboots blocked cluster-wide ${tail}.`);
    else await showError(env.log, r.error);
    return;
  }
  const res = await writeNodes(env, names, built, (n) => `block reboots of node ${n}`, `Blocking reboots of ${plural(names.length, 'node')}`);
  await report(env, res, (list) => `Reboots blocked for ${list} ${tail}.`);
}

export async function unblockCmd(env: CommandEnv, args: unknown[]): Promise<void> {
  if (refuseReadOnly(env)) return;
  const scope = nodesFromArgs(args) ? 'nodes' : await askScope(env, 'Unblock');
  if (!scope) return;
  if (scope === 'cluster') {
    const w = writer(env);
    if (!w) return;
    const built = unblock();
    if (!built.ok) return;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Unblocking reboots cluster-wide' }, () => w.cluster(built.patch, 'unblock reboots cluster-wide'));
    if (r.ok) void vscode.window.showInformationMessage('Cluster-wide block removed.');
    else await showError(env.log, r.error);
    return;
  }
  const names = await chooseNodes(env, args, 'unblock', 'Unblock Reboots');
  if (!names) return;
  const res = await writeNodes(env, names, unblock(), (n) => `unblock reboots of node ${n}`, `Unblocking ${plural(names.length, 'node')}`);
  await report(env, res, (list) => `Block removed for ${list}.`);
}

// What every command needs, and the shared steps: choose nodes (from the invocation or a
// multi-select quick pick), refuse what does not apply with the reason, write with progress, and
// report the result (errors with "Open Log").

import * as vscode from 'vscode';
import type { NodeView } from '../../protocol/messages.ts';
import { AnnotationWriter, type WriteResult } from '../kube/writer.ts';
import type { Built } from '../kube/requests.ts';
import { showError, type Log } from '../log/log.ts';
import type { ClusterStore } from '../state/store.ts';
import { localTime } from '../tree/provider.ts';
import { description } from '../tree/present.ts';
import type { NodesView } from '../tree/view.ts';
import { applies, whyNot } from './applicability.ts';
import { nodesFromArgs } from './args.ts';
import type { Action } from './ids.ts';

export interface CommandEnv {
  ctx: vscode.ExtensionContext;
  store: ClusterStore;
  log: Log;
  nodes: NodesView;
}

export function writer(env: CommandEnv): AnnotationWriter | undefined {
  const k = env.store.kube();
  if (!k) {
    void showError(env.log, `No cluster: ${env.store.connection().detail ?? 'the kubeconfig could not be loaded'}`);
    return undefined;
  }
  return new AnnotationWriter(k.kc, k.context, env.store.settings().namespace);
}

export function refuseReadOnly(env: CommandEnv): boolean {
  if (!env.store.settings().readOnly) return false;
  void vscode.window.showInformationMessage('nodemend is in read-only mode: no changes are made. Turn off the setting nodemend.readOnly to act on nodes.', 'Open Settings').then(
    (b) => b && vscode.commands.executeCommand('workbench.action.openSettings', 'nodemend.readOnly'),
  );
  return true;
}

/** The nodes to act on: from the invocation, else picked. Nodes the action does not apply to are dropped with a message. */
export async function chooseNodes(env: CommandEnv, args: unknown[], action: Action, title: string): Promise<string[] | undefined> {
  const snap = env.store.snapshot();
  const perms = env.store.permissions();
  const ro = env.store.settings().readOnly;
  let names = nodesFromArgs(args);
  if (!names) {
    if (!snap) {
      void showError(env.log, `${title}: not connected to the nodemend hub, so there are no nodes to pick from. Connect first.`);
      return undefined;
    }
    const candidates = snap.nodes.filter((n) => applies(n, action, perms, ro));
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`${title}: no node to apply it to.`);
      return undefined;
    }
    const selected = new Set(env.nodes.selectedNodes());
    const picks = await vscode.window.showQuickPick(
      candidates.map((n) => ({ label: n.name, description: description(n, localTime), detail: [n.zone, n.pool].filter(Boolean).join(' · ') || undefined, picked: selected.has(n.name) })),
      { title, canPickMany: action !== 'history', placeHolder: 'Choose nodes (type to filter)', matchOnDescription: true, matchOnDetail: true },
    );
    if (!picks) return undefined;
    names = (Array.isArray(picks) ? picks : [picks]).map((p) => p.label);
    if (names.length === 0) return undefined;
    return names;
  }
  if (!snap) return names; // Not connected: cannot check; the API server and the agent still validate.
  const byName = new Map<string, NodeView>(snap.nodes.map((n) => [n.name, n]));
  const ok: string[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const n = byName.get(name);
    const why = n ? whyNot(n, action, perms, ro) : `${name} is not in the cluster`;
    if (why) skipped.push(why);
    else ok.push(name);
  }
  if (skipped.length) void vscode.window.showWarningMessage(`${title}: skipped ${skipped.length} node${skipped.length === 1 ? '' : 's'}: ${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? '; …' : ''}`);
  return ok.length ? ok : undefined;
}

/** Writes one patch to each node (8 at a time) with progress; returns the names that failed. */
export async function writeNodes(env: CommandEnv, names: string[], built: Built, what: (n: string) => string, title: string): Promise<{ ok: string[]; failed: { name: string; r: WriteResult }[] } | undefined> {
  if (!built.ok) {
    void showError(env.log, built.error);
    return undefined;
  }
  const w = writer(env);
  if (!w) return undefined;
  const ok: string[] = [];
  const failed: { name: string; r: WriteResult }[] = [];
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, async (progress) => {
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const r = await w.node(name, built.patch, what(name));
        if (r.ok) ok.push(name);
        else failed.push({ name, r });
        progress.report({ increment: 100 / names.length, message: `${ok.length + failed.length}/${names.length}` });
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, names.length) }, worker));
  });
  // Report in the order the user chose, not the order the parallel writes finished.
  const order = (n: string) => names.indexOf(n);
  ok.sort((a, b) => order(a) - order(b));
  failed.sort((a, b) => order(a.name) - order(b.name));
  for (const f of failed) if (!f.r.ok) env.log.error(f.r.error);
  if (ok.length) env.log.info(`${title}: done for ${ok.join(', ')}`);
  return { ok, failed };
}

/** One message for the outcome of a multi-node write. */
export async function report(env: CommandEnv, res: { ok: string[]; failed: { name: string; r: WriteResult }[] } | undefined, success: (names: string) => string): Promise<void> {
  if (!res) return;
  const list = (xs: string[]) => (xs.length <= 4 ? xs.join(', ') : `${xs.slice(0, 3).join(', ')} and ${xs.length - 3} more`);
  if (res.failed.length === 0) {
    void vscode.window.showInformationMessage(success(list(res.ok)));
    return;
  }
  const first = res.failed[0].r;
  const msg = `${first.ok ? '' : first.error}${res.failed.length > 1 ? ` (${res.failed.length} nodes failed: ${list(res.failed.map((f) => f.name))})` : ''}${res.ok.length ? ` Succeeded for ${list(res.ok)}.` : ''}`;
  await showError(env.log, msg);
}

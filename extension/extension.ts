// Composition root of the VS Code extension: builds the parts, wires them, registers every
// disposable. Nothing at module scope; no logic here.

import * as vscode from 'vscode';
import { trackContextKeys } from './commands/context-keys.ts';
import { CMD, CTX } from './commands/ids.ts';
import { registerCommands, registerGuarded } from './commands/register.ts';
import { DashboardPanel } from './dashboard/panel.ts';
import { OutputLog } from './log/log.ts';
import { ClusterStore } from './state/store.ts';
import { StatusBar } from './status/status-bar.ts';
import { NodesView } from './tree/view.ts';

export function activate(context: vscode.ExtensionContext): { store: ClusterStore; nodes: NodesView } {
  const t0 = performance.now();
  const log = new OutputLog();
  const store = new ClusterStore(log, context.globalState);
  const nodes = new NodesView(store);
  const env = { ctx: context, store, log, nodes };
  void vscode.commands.executeCommand('setContext', CTX.connection, 'disconnected');
  context.subscriptions.push(
    log,
    store,
    nodes,
    new StatusBar(store),
    trackContextKeys(store),
    ...registerCommands(env),
    registerGuarded(env, CMD.openDashboard, () => DashboardPanel.createOrShow(context, store)),
  );
  // Lazy by default: the kubeconfig's current context is often production and its exec plugin may
  // prompt or log in, so a window connects only when the person shows the Nodes view or runs a
  // nodemend command (tree/view.ts, commands/register.ts), or when nodemend.connectAtStartup says so.
  const eager = store.connectAtStartup();
  if (eager) store.start();
  log.info(`activated in ${(performance.now() - t0).toFixed(1)} ms; ${eager ? 'connecting (nodemend.connectAtStartup)' : 'not connected until the nodemend view is shown or a nodemend command runs'}`);
  // Returned for tests and for other extensions that want to read the same store.
  return { store, nodes };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it.
}

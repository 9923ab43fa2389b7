// Switch Context: a quick pick of the kubeconfig's contexts; the choice is kept in the setting
// nodemend.context (the kubeconfig file itself is not rewritten: other tools keep their context).

import * as vscode from 'vscode';
import { loadKubeconfig } from '../kube/kubeconfig.ts';
import { showError } from '../log/log.ts';
import type { CommandEnv } from './env.ts';

export async function switchContextCmd(env: CommandEnv): Promise<void> {
  const s = env.store.settings();
  const loaded = loadKubeconfig(s.kubeconfig, undefined);
  if (!loaded.ok) return void showError(env.log, loaded.error);
  const current = env.store.kube()?.context;
  const fileDefault = loaded.kc.getCurrentContext();
  const items = loaded.kc.getContexts().map((c) => ({
    label: c.name,
    description: [c.name === current ? '$(check) in use' : '', c.name === fileDefault ? 'kubeconfig current-context' : ''].filter(Boolean).join(' · '),
    detail: `${loaded.kc.getCluster(c.cluster)?.server ?? '?'}${c.user ? ` as ${c.user}` : ''}`,
  }));
  const pick = await vscode.window.showQuickPick(items, { title: 'nodemend: Switch Context', placeHolder: `Kubeconfig from ${loaded.source.from}` });
  if (!pick) return;
  // Global: the context is a property of the person, not of the folder open.
  await vscode.workspace.getConfiguration('nodemend').update('context', pick.label === fileDefault ? undefined : pick.label, vscode.ConfigurationTarget.Global);
  // The configuration listener reconnects; if the value did not change, reconnect anyway.
  if (pick.label === current) env.store.connect();
}

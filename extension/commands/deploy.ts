// Deploy Backend: applies the manifests shipped in the extension's deploy/ folder to the current
// context, after a modal confirmation that names the context and the server, with progress and a
// result; then reconnects so the view comes alive.

import * as vscode from 'vscode';
import { applyManifests } from '../kube/deploy.ts';
import { planManifests } from '../kube/manifests.ts';
import { showError } from '../log/log.ts';
import type { CommandEnv } from './env.ts';

async function readDeployFolder(root: vscode.Uri): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const dir = vscode.Uri.joinPath(root, 'deploy');
  let entries: [string, vscode.FileType][] = [];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch {
    return files;
  }
  for (const [name, type] of entries) {
    if (type !== vscode.FileType.File) continue;
    files.set(name, new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name))));
  }
  return files;
}

export async function deployBackendCmd(env: CommandEnv): Promise<void> {
  if (env.store.settings().readOnly) {
    void vscode.window.showInformationMessage('nodemend is in read-only mode (setting nodemend.readOnly): Deploy Backend is off.');
    return;
  }
  const k = env.store.kube();
  if (!k) return void showError(env.log, `Deploy Backend: no cluster. ${env.store.connection().detail ?? ''}`.trim());
  const plan = planManifests(await readDeployFolder(env.ctx.extensionUri));
  if (!plan.ok) return void showError(env.log, `Deploy Backend: ${plan.error}`);
  const yes = 'Deploy';
  const kinds = [...new Set(plan.objects.map((o) => o.kind))].join(', ');
  const answer = await vscode.window.showWarningMessage(
    `Deploy nodemend to context "${k.context}"?`,
    { modal: true, detail: `Applies ${plan.objects.length} objects (${kinds}) to ${k.server} with your credentials (server-side apply, field manager nodemend-vscode). The agent DaemonSet runs on every node.` },
    yes,
  );
  if (answer !== yes) return;
  const res = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Deploying nodemend to ${k.context}` }, (progress) =>
    applyManifests(k.kc, k.context, plan.objects, (done, what) => progress.report({ increment: done === 0 ? 0 : 100 / plan.objects.length, message: what })),
  );
  for (const a of res.applied) env.log.info(`deploy: applied ${a}`);
  if (!res.ok) return void showError(env.log, `Deploy Backend stopped after ${res.applied.length} of ${plan.objects.length} objects: ${res.error}`);
  void vscode.window.showInformationMessage(`nodemend deployed to "${k.context}" (${res.applied.length} objects). Connecting…`);
  env.store.connect();
}

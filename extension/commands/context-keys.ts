// Keeps the `when`-clause context keys in step with the store: whether the user may write
// (palette entries of write commands) and may block the whole cluster.

import * as vscode from 'vscode';
import type { ClusterStore } from '../state/store.ts';
import { CTX } from './ids.ts';

export function trackContextKeys(store: ClusterStore): vscode.Disposable {
  let last = '';
  const update = () => {
    const p = store.permissions();
    const ro = store.settings().readOnly;
    const canWrite = !ro && p.patchNodes;
    const canBlockCluster = !ro && p.patchClusterBlock;
    const key = `${canWrite}|${canBlockCluster}`;
    if (key === last) return;
    last = key;
    void vscode.commands.executeCommand('setContext', CTX.canWrite, canWrite);
    void vscode.commands.executeCommand('setContext', CTX.canBlockCluster, canBlockCluster);
  };
  update();
  return store.onDidChange((c) => c.connection && update());
}

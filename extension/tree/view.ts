// The Nodes view: provider + TreeView with multi-select, the badge (nodes needing a reboot), the
// message line (filter, reconnecting) and the filter commands.

import * as vscode from 'vscode';
import { CMD, CTX, VIEW_NODES } from '../commands/ids.ts';
import type { ClusterStore } from '../state/store.ts';
import { parseFilter } from './filter.ts';
import type { Element } from './kinds.ts';
import { NodeTreeProvider } from './provider.ts';

export class NodesView implements vscode.Disposable {
  readonly provider: NodeTreeProvider;
  readonly view: vscode.TreeView<Element>;
  private readonly subs: vscode.Disposable[] = [];
  private readonly store: ClusterStore;

  constructor(store: ClusterStore) {
    this.store = store;
    this.provider = new NodeTreeProvider(store);
    this.view = vscode.window.createTreeView(VIEW_NODES, { treeDataProvider: this.provider, canSelectMany: true, showCollapseAll: true });
    this.subs.push(
      this.provider,
      this.view,
      this.provider.onDidUpdate(() => this.decorate()),
      store.onDidChange((c) => c.connection && this.decorate()),
      // Shown is asked for: the first time the view is visible, nodemend connects.
      this.view.onDidChangeVisibility((e) => e.visible && store.start()),
      vscode.commands.registerCommand(CMD.filterNodes, () => this.askFilter()),
      vscode.commands.registerCommand(CMD.clearFilter, () => this.applyFilter('')),
    );
    // A window that restores the view already open does not fire the event.
    if (this.view.visible) store.start();
    this.decorate();
  }

  /** Node names currently selected in the tree. */
  selectedNodes(): string[] {
    return this.view.selection.filter((e) => e.kind === 'node').map((e) => (e as { name: string }).name);
  }

  private decorate(): void {
    const m = this.provider.current();
    this.view.badge = m.badge ? { value: m.badge, tooltip: `${m.badge} node${m.badge === 1 ? '' : 's'} need${m.badge === 1 ? 's' : ''} a reboot` } : undefined;
    const conn = this.store.connection();
    const parts: string[] = [];
    const f = this.provider.filterText();
    if (f) parts.push(`Filter "${f}": ${m.shown} of ${m.total} nodes`);
    // Only with nodes on screen: a message hides the welcome view, which carries the actions.
    if ((conn.state === 'connecting' || conn.state === 'error') && this.store.snapshot()) parts.push(`${conn.state === 'error' ? 'Disconnected' : 'Reconnecting'}: showing the last known state. ${conn.detail ?? ''}`.trim());
    this.view.message = parts.length ? parts.join(' · ') : undefined;
    this.view.description = this.store.kube()?.context;
  }

  private async askFilter(): Promise<void> {
    const text = await vscode.window.showInputBox({
      title: 'Filter nodes',
      prompt: 'Words of the node name, or zone:<z>, pool:<p>, phase:<phase>, group:<group>. Empty clears.',
      value: this.provider.filterText() ?? '',
      validateInput: (v) => {
        const r = parseFilter(v);
        return r.ok ? undefined : r.error;
      },
    });
    if (text !== undefined) this.applyFilter(text);
  }

  private applyFilter(text: string): void {
    const r = parseFilter(text);
    if (!r.ok) return;
    this.provider.setFilter(r.filter);
    void vscode.commands.executeCommand('setContext', CTX.filtered, r.filter !== undefined);
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
  }
}

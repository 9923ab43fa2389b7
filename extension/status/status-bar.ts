// The status bar item: context and a one-glance summary ("prod: 2 rebooting, 5 waiting").
// Clicking it switches the context; the tooltip links to the dashboard and the log. Before the
// first connection it says only "not connected" (it knows no context: finding one means reading
// the kubeconfig, which waits for the person) and a click connects.

import * as vscode from 'vscode';
import { CMD } from '../commands/ids.ts';
import type { ClusterStore } from '../state/store.ts';
import { summarize } from './summary.ts';
import { statusTooltip, TOOLTIP_COMMANDS } from './tooltip.ts';

const ICON: Record<string, string> = {
  connected: '$(server-environment)',
  connecting: '$(sync~spin)',
  'no-backend': '$(cloud-upload)',
  error: '$(debug-disconnect)',
  disconnected: '$(debug-disconnect)',
};

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nodemend.status', vscode.StatusBarAlignment.Left, 10);
  private readonly sub: vscode.Disposable;
  private readonly store: ClusterStore;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(store: ClusterStore) {
    this.store = store;
    this.item.name = 'nodemend';
    this.sub = store.onDidChange(() => this.schedule());
    this.render();
    this.item.show();
  }

  /** Same debounce idea as the tree: a burst of deltas repaints once. */
  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, 150);
  }

  private render(): void {
    if (!this.store.started()) return this.renderNotStarted();
    this.item.command = CMD.switchContext;
    const conn = this.store.connection();
    const ctx = this.store.kube()?.context ?? 'no context';
    const sum = summarize(this.store.snapshot());
    const what =
      conn.state === 'connected'
        ? sum.text
        : conn.state === 'no-backend'
          ? 'not installed'
          : conn.state === 'connecting'
            ? 'connecting'
            : conn.problem === 'not-approved'
              ? 'hub not approved'
              : 'disconnected';
    this.item.text = `${ICON[conn.state]} ${ctx}: ${what}`;
    this.item.accessibilityInformation = { label: `nodemend, context ${ctx}, ${what}` };
    const tip = new vscode.MarkdownString(statusTooltip(ctx, conn.state === 'connected' ? sum.text : (conn.detail ?? what), conn.state === 'no-backend'), true);
    tip.isTrusted = { enabledCommands: TOOLTIP_COMMANDS };
    this.item.tooltip = tip;
    this.item.backgroundColor =
      conn.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : sum.attention ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  private renderNotStarted(): void {
    this.item.text = `${ICON.disconnected} nodemend: not connected`;
    this.item.accessibilityInformation = { label: 'nodemend, not connected' };
    this.item.command = { command: CMD.connect, title: 'Connect' };
    this.item.tooltip = new vscode.MarkdownString(
      'nodemend has not connected in this window. It connects when you open its view or run one of its commands; click to connect now. The setting `nodemend.connectAtStartup` connects every window at start.',
    );
    this.item.backgroundColor = undefined;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sub.dispose();
    this.item.dispose();
  }
}

// The rollout dashboard panel: one per window, created or revealed by `nodemend.showDashboard`.
// The page is rebuilt whenever it becomes visible (retainContextWhenHidden is off: a hidden
// dashboard of thousands of nodes should cost nothing), so all state lives in the ClusterStore and
// the page gets it again through the Ready handshake. The page may load only dist/.

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { renderPage } from './html.ts';
import { DashboardSession, type DashboardSource } from './session.ts';

export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'nodemend.dashboard';
  private static current: DashboardPanel | undefined;

  private readonly panel: vscode.WebviewPanel;
  private readonly session: DashboardSession;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  static createOrShow(context: vscode.ExtensionContext, store: DashboardSource): DashboardPanel {
    const column = vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal(column);
      return DashboardPanel.current;
    }
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'nodemend: Rollout', column, {
      enableScripts: true,
      enableCommandUris: false,
      enableForms: false,
      localResourceRoots: [dist],
      retainContextWhenHidden: false,
    });
    DashboardPanel.current = new DashboardPanel(panel, dist, store);
    context.subscriptions.push(DashboardPanel.current);
    return DashboardPanel.current;
  }

  private constructor(panel: vscode.WebviewPanel, dist: vscode.Uri, store: DashboardSource) {
    this.panel = panel;
    const webview = panel.webview;
    this.session = new DashboardSession(store, {
      post: (msg) => webview.postMessage(msg),
      run: (action, node) => vscode.commands.executeCommand(`nodemend.${action}`, node),
      log: (line) => console.warn(line),
    });
    webview.html = renderPage({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.session.receive(m)),
      panel.onDidChangeViewState((e) => this.session.setVisible(e.webviewPanel.visible)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  dispose(): void {
    // Reached twice when we close the panel ourselves (dispose -> onDidDispose -> dispose).
    if (this.disposed) return;
    this.disposed = true;
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.session.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

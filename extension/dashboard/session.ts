// The conversation with one dashboard webview, without vscode: what to send when, and which
// requests from the page to honour. The panel class wires it to a real WebviewPanel.
//
// Rules:
// - Nothing is sent before the page says Ready: a message posted before its listener exists is
//   lost, and the page would then apply deltas to a snapshot it never got.
// - Ready always gets the full state; after that, the store's ops are forwarded as they come.
// - When the panel is hidden VS Code discards the page (we do not retain it); we stop sending
//   until the reloaded page says Ready again.
// - A command runs only if it is a known action on a node the store knows about (fail closed);
//   its failure is reported back to the page.

import type { ClusterSnapshot, DeltaOp } from '../../protocol/messages.ts';
import {
  parseWebviewMessage,
  type ConnectionInfo,
  type HostToWebview,
  type NodeAction,
} from '../../protocol/webview.ts';

export interface StoreChange {
  ops?: DeltaOp[];
  snapshot?: boolean;
  connection?: boolean;
}

/** What the dashboard needs from the extension's ClusterStore. */
export interface DashboardSource {
  snapshot(): ClusterSnapshot | undefined;
  connection(): ConnectionInfo;
  onDidChange(listener: (e: StoreChange) => unknown): { dispose(): unknown };
}

export interface SessionIo {
  post(msg: HostToWebview): unknown;
  run(action: NodeAction, node: string): PromiseLike<unknown>;
  log(line: string): void;
}

export class DashboardSession {
  private ready = false;
  private lastConnection = '';
  private readonly sub: { dispose(): unknown };
  private readonly source: DashboardSource;
  private readonly io: SessionIo;

  constructor(source: DashboardSource, io: SessionIo) {
    this.source = source;
    this.io = io;
    this.sub = source.onDidChange((e) => this.onStoreChange(e));
  }

  /** Handles one message from the page. Never throws. */
  async receive(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m.ok) {
      this.io.log(`dashboard: ignored a message from the webview: ${m.error}`);
      return;
    }
    if (m.value.type === 'ready') {
      this.ready = true;
      this.sendState();
      return;
    }
    const { action, node } = m.value;
    if (!this.source.snapshot()?.nodes.some((n) => n.name === node)) {
      this.post({ type: 'notice', level: 'error', message: `${node} is not in the current cluster view; nothing was done` });
      return;
    }
    try {
      await this.io.run(action, node);
    } catch (e) {
      this.post({ type: 'notice', level: 'error', message: `${action} on ${node} failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Called with the panel's visibility; a hidden page is gone until it says Ready again. */
  setVisible(visible: boolean): void {
    if (!visible) this.ready = false;
  }

  dispose(): void {
    this.ready = false;
    this.sub.dispose();
  }

  private onStoreChange(e: StoreChange): void {
    if (!this.ready) return;
    if (e.snapshot) this.sendState();
    else if (e.ops && e.ops.length > 0) this.post({ type: 'delta', ops: e.ops });
    this.sendConnectionIfChanged();
  }

  // Only what the page shows: the store's connection carries more (e.g. a problem code).
  private connection(): ConnectionInfo {
    const c = this.source.connection();
    return c.detail ? { state: c.state, detail: c.detail } : { state: c.state };
  }

  private sendState(): void {
    const connection = this.connection();
    this.lastConnection = JSON.stringify(connection);
    this.post({ type: 'state', snapshot: this.source.snapshot() ?? null, connection });
  }

  private sendConnectionIfChanged(): void {
    const connection = this.connection();
    const key = JSON.stringify(connection);
    if (key === this.lastConnection) return;
    this.lastConnection = key;
    this.post({ type: 'connection', connection });
  }

  private post(msg: HostToWebview): void {
    if (!this.ready && msg.type !== 'notice') return;
    this.io.post(msg);
  }
}

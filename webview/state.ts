// The webview's copy of the cluster, kept in step with the host by the same reducer every client
// uses (applyDelta). DOM-free so it is unit tested on Node.
// Rendering relies on identity: a view gets a new array/object only when its data changed, and
// an unchanged NodeView keeps its identity across deltas, so a row whose node did not change is
// not re-rendered even when thousands of rows are on screen.

import { applyDelta, type ClusterSnapshot, type NodeView } from '../protocol/messages.ts';
import type { ConnectionInfo, HostToWebview } from '../protocol/webview.ts';

export interface Notice {
  id: number;
  level: 'info' | 'error';
  message: string;
}

export class DashboardState {
  snapshot: ClusterSnapshot | null = null;
  connection: ConnectionInfo = { state: 'connecting' };
  /** Fresh array whenever a node was added, changed or removed. */
  nodes: readonly NodeView[] = [];
  byName: ReadonlyMap<string, NodeView> = new Map();
  /** Fresh array whenever an event arrived. */
  events: ClusterSnapshot['events'] = [];
  notices: Notice[] = [];
  /** Bumped on every applied message, for cheap "did anything change" checks. */
  version = 0;
  private nextNotice = 1;

  apply(msg: HostToWebview): void {
    this.version++;
    switch (msg.type) {
      case 'state':
        this.connection = msg.connection;
        this.snapshot = msg.snapshot;
        this.refreshNodes();
        this.events = msg.snapshot ? [...msg.snapshot.events] : [];
        return;
      case 'connection':
        this.connection = msg.connection;
        return;
      case 'notice':
        this.notify(msg.level, msg.message);
        return;
      case 'delta': {
        const s = this.snapshot;
        // A delta without a base cannot be applied; the host sends State first, so this only
        // happens if messages were lost. Say so rather than show a half-built picture.
        if (!s) {
          this.notify('error', 'received changes before the first snapshot; reopen the dashboard');
          return;
        }
        applyDelta(s, msg.ops);
        let nodes = false;
        let events = false;
        for (const o of msg.ops) {
          if (o.op === 'node' || o.op === 'node-removed') nodes = true;
          else if (o.op === 'event') events = true;
        }
        if (nodes) this.refreshNodes();
        if (events) this.events = [...s.events];
        return;
      }
    }
  }

  notify(level: Notice['level'], message: string): void {
    this.notices = [...this.notices.slice(-4), { id: this.nextNotice++, level, message }];
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  private refreshNodes(): void {
    const list = this.snapshot?.nodes ?? [];
    this.nodes = [...list];
    this.byName = new Map(list.map((n) => [n.name, n]));
  }
}

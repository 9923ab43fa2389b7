// The custom events components send up to the dashboard. Bubbling and composed, so they cross
// shadow roots; the dashboard is the only listener.

import type { NodeAction } from '../../protocol/webview.ts';

export interface DashboardEvents {
  /** A node was picked: show its details. */
  'nm-select': string;
  /** Replace the filter text (e.g. a phase chip was clicked). */
  'nm-filter': string;
  /** A person asked for a node action. */
  'nm-command': { action: NodeAction; node: string };
}

export function emit<K extends keyof DashboardEvents>(from: EventTarget, type: K, detail: DashboardEvents[K]): void {
  from.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

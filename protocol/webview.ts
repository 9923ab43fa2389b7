// Messages between the extension host and the rollout dashboard webview (postMessage, structured
// clone, so no JSON text). Who sends what:
//   webview -> host: Ready once the page has loaded and listens (again after every reload: VS Code
//                    destroys a hidden webview, we do not retain it), then Command when a person
//                    clicks an action for a node.
//   host -> webview: State (full snapshot + connection) after each Ready and whenever the store
//                    resyncs, Delta for each batch of ops the store applied, Connection when the
//                    hub link changes, Notice to report the outcome of a command that failed.
// Both sides validate what they receive: the host because a webview is a browser page that must
// never be able to run arbitrary commands, the webview so that a bad push shows an error instead
// of a blank page.

import type { Parsed } from './annotations.ts';
import type { ClusterSnapshot, DeltaOp } from './messages.ts';
import { fail, isDeltaOp, isObj, isSnapshot, isStr, show } from './shapes.ts';

/** Node actions the dashboard offers; each maps to the command `nodemend.<action>`. */
export const NODE_ACTIONS = [
  'scheduleReboot',
  'forceReboot',
  'blockNode',
  'unblockNode',
  'cancelRequest',
  'showHistory',
] as const;
export type NodeAction = (typeof NODE_ACTIONS)[number];

export interface ConnectionInfo {
  /** The store's link state, e.g. "connected", "connecting", "disconnected". */
  state: string;
  detail?: string;
}

export type WebviewToHost = { type: 'ready' } | { type: 'command'; action: NodeAction; node: string };

export type HostToWebview =
  | { type: 'state'; snapshot: ClusterSnapshot | null; connection: ConnectionInfo }
  | { type: 'delta'; ops: DeltaOp[] }
  | { type: 'connection'; connection: ConnectionInfo }
  | { type: 'notice'; level: 'info' | 'error'; message: string };


// A Kubernetes node name is a DNS subdomain: lowercase alphanumerics, '-' and '.', at most 253.
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function isNodeAction(v: unknown): v is NodeAction {
  return isStr(v) && (NODE_ACTIONS as readonly string[]).includes(v);
}

/** Validates a message from the webview. Never throws. */
export function parseWebviewMessage(v: unknown): Parsed<WebviewToHost> {
  if (!isObj(v)) return fail('webview message: expected an object');
  switch (v.type) {
    case 'ready':
      return { ok: true, value: { type: 'ready' } };
    case 'command':
      if (!isNodeAction(v.action)) {
        return fail(`command.action: unknown action ${show(v.action)}; expected one of ${NODE_ACTIONS.join(', ')}`);
      }
      if (!isStr(v.node) || !NODE_NAME.test(v.node)) {
        return fail(`command.node: expected a Kubernetes node name, got ${show(v.node)}`);
      }
      return { ok: true, value: { type: 'command', action: v.action, node: v.node } };
    default:
      return fail(`webview message: unknown type ${show(v.type)}; expected "ready" or "command"`);
  }
}

function isConnection(v: unknown): v is ConnectionInfo {
  return isObj(v) && isStr(v.state) && (v.detail === undefined || isStr(v.detail));
}

// The snapshot comes from our own extension host, which built it from validated hub frames; the
// same shape checks as the extension's (shapes.ts) keep a malformed push from crashing rendering.

/** Validates a message from the extension host. Never throws. */
export function parseHostMessage(v: unknown): Parsed<HostToWebview> {
  if (!isObj(v)) return fail('host message: expected an object');
  switch (v.type) {
    case 'state':
      if (v.snapshot !== null && !isSnapshot(v.snapshot)) return fail('state.snapshot: malformed snapshot');
      if (!isConnection(v.connection)) return fail('state.connection: expected {state: string, detail?: string}');
      return { ok: true, value: v as HostToWebview };
    case 'delta':
      if (!Array.isArray(v.ops)) return fail('delta.ops: expected an array of delta operations');
      for (const [i, o] of v.ops.entries()) {
        if (!isDeltaOp(o)) return fail(`delta.ops[${i}]: malformed ${show(isObj(o) ? o.op : o)} operation`);
      }
      return { ok: true, value: v as HostToWebview };
    case 'connection':
      return isConnection(v.connection)
        ? { ok: true, value: v as HostToWebview }
        : fail('connection.connection: expected {state: string, detail?: string}');
    case 'notice':
      return (v.level === 'info' || v.level === 'error') && isStr(v.message)
        ? { ok: true, value: v as HostToWebview }
        : fail('notice: expected {level: "info" | "error", message: string}');
    default:
      return fail(`host message: unknown type ${show(v.type)}`);
  }
}

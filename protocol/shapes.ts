// Shape checks for the stream's payloads, shared by every place a snapshot or delta enters a
// process (the extension reading the hub, the webview reading the extension host), so that the
// two cannot drift apart again. They check the fields the clients act on and the containers the
// views iterate over; node payloads are otherwise trusted to the shape the hub builds from the
// cluster, since they are rendered as text only.

import type { ClusterEvent, ClusterSnapshot, DeltaOp, Forecast, LockView, NodeView } from './messages.ts';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
export const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });
/** A value quoted for an error message, short enough never to flood a log. */
export const show = (v: unknown): string => JSON.stringify(String(v)).slice(0, 40);

export function isNodeView(v: unknown): v is NodeView {
  return (
    isObj(v) &&
    isStr(v.name) &&
    typeof v.ready === 'boolean' &&
    typeof v.unschedulable === 'boolean' &&
    isObj(v.requests) &&
    Array.isArray(v.history) &&
    Array.isArray(v.requestErrors)
  );
}

export function isLockView(v: unknown): v is LockView {
  return isObj(v) && Array.isArray(v.slots) && Array.isArray(v.waiting) && v.waiting.every(isStr);
}

export function isClusterEvent(v: unknown): v is ClusterEvent {
  return isObj(v) && isStr(v.time) && isStr(v.reason) && isStr(v.message);
}

/** The forecast's numbers and its held groups, which the views count and list. */
export function isForecast(v: unknown): v is Forecast {
  return (
    isObj(v) &&
    isInt(v.pending) &&
    typeof v.enoughData === 'boolean' &&
    isStr(v.basis) &&
    (v.held === undefined || (Array.isArray(v.held) && v.held.every((g) => isObj(g) && isStr(g.by) && isInt(g.count) && Array.isArray(g.nodes) && g.nodes.every(isStr))))
  );
}

export function isSnapshot(v: unknown): v is ClusterSnapshot {
  return (
    isObj(v) &&
    Array.isArray(v.nodes) &&
    v.nodes.every(isNodeView) &&
    isLockView(v.locks) &&
    isForecast(v.forecast) &&
    Array.isArray(v.events) &&
    v.events.every(isClusterEvent) &&
    typeof v.backendInstalled === 'boolean'
  );
}

export function isDeltaOp(v: unknown): v is DeltaOp {
  if (!isObj(v)) return false;
  switch (v.op) {
    case 'node':
      return isNodeView(v.node);
    case 'node-removed':
      return isStr(v.name);
    case 'locks':
      return isLockView(v.locks);
    case 'cluster-block':
      return v.block === null || (isObj(v.block) && isStr(v.block.reason));
    case 'forecast':
      return isForecast(v.forecast);
    case 'event':
      return isClusterEvent(v.event);
    case 'backend':
      return typeof v.installed === 'boolean';
    default:
      return false;
  }
}

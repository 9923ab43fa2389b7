// Pure translation of Kubernetes objects into the views the stream carries (protocol/messages.ts).
// No I/O and no clock except the `now` passed in, so every rule here is table-tested.
//
// Conventions read from the cluster (written by the agent, see backend/agent/lock/ and
// protocol/annotations.ts):
//   Node annotations  nodemend.dev/state (JSON AgentNodeState), nodemend.dev/history (JSON array),
//                     nodemend.dev/cordoned-by, request annotations.
//   Lock slots and waiting markers (protocol/leases.ts): a slot's scope is read from its
//                     annotation when present, else derived from the name; a node whose state says
//                     waiting-lock without a marker queues last, ordered by the state's `since`, so
//                     the queue never hides a waiting node.

import type { CoreV1Event, V1DaemonSet, V1Lease, V1Node } from '@kubernetes/client-node';
import { A, parseHistory, parseRequests, parseState } from '../../protocol/annotations.ts';
import { clusterSlotName, LEASE_ANNOTATIONS, LOCK_PREFIX, scopeOf, scopeSlotName, WAIT_PREFIX } from '../../protocol/leases.ts';
import type { ClusterEvent, LockSlot, LockView, NodeView } from '../../protocol/messages.ts';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const POOL_LABEL = 'nodemend.dev/pool';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The view of one node. queuePosition is filled in later from the lock view. */
export function nodeView(n: V1Node): NodeView {
  const md = n.metadata ?? {};
  const ann = md.annotations ?? {};
  const labels = md.labels ?? {};
  const req = parseRequests(ann);
  const view: NodeView = {
    name: md.name ?? '',
    ready: !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: !!n.spec?.unschedulable,
    cordonedByUs: ann[A.cordonedBy] !== undefined,
    requests: {},
    requestErrors: req.errors,
    history: parseHistory(ann[A.history]),
  };
  if (labels[ZONE_LABEL]) view.zone = labels[ZONE_LABEL];
  if (labels[POOL_LABEL]) view.pool = labels[POOL_LABEL];
  const boot = n.status?.nodeInfo?.bootID;
  if (boot) view.bootId = boot;
  const state = parseState(ann[A.state]);
  if (state) view.state = state;
  else if (ann[A.state] !== undefined) view.requestErrors = [...req.errors, `${A.state}: unreadable agent state; shown as unknown`];
  if (req.rebootAfter !== undefined) view.requests.rebootAfter = iso(req.rebootAfter);
  if (req.forceReboot !== undefined) view.requests.forceReboot = iso(req.forceReboot);
  if (req.block) {
    view.requests.block = { reason: req.block.reason };
    if (req.block.until !== undefined) view.requests.block.until = iso(req.block.until);
  }
  return view;
}

function leaseTime(t: unknown): number | undefined {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') {
    const v = Date.parse(t);
    return Number.isNaN(v) ? undefined : v;
  }
  return undefined;
}

/**
 * The cluster concurrency the agents publish (--concurrency): the most common value, the smaller
 * on a tie (agents mid-upgrade may differ; the slower forecast is the one not to be surprised by).
 * Undefined when no agent publishes one (an older agent): the forecast then counts slot Leases.
 */
export function publishedConcurrency(nodes: readonly NodeView[]): number | undefined {
  const count = new Map<number, number>();
  for (const n of nodes) {
    const c = n.state?.limits?.concurrency;
    if (c !== undefined) count.set(c, (count.get(c) ?? 0) + 1);
  }
  let best: [number, number] | undefined;
  for (const [c, k] of count) if (!best || k > best[1] || (k === best[1] && c < best[0])) best = [c, k];
  return best?.[0];
}

/** The most common of the values the agents publish, the smaller on a tie; undefined when none does. */
function mostCommon<T>(values: readonly T[], key: (v: T) => string, smaller: (a: T, b: T) => boolean): T | undefined {
  const count = new Map<string, { v: T; k: number }>();
  for (const v of values) {
    const e = count.get(key(v)) ?? { v, k: 0 };
    e.k++;
    count.set(key(v), e);
  }
  let best: { v: T; k: number } | undefined;
  for (const e of count.values()) if (!best || e.k > best.k || (e.k === best.k && smaller(e.v, best.v))) best = e;
  return best?.v;
}

/**
 * The per-scope limit the agents publish (--concurrency-scope, --concurrency-per-scope) and the
 * scope values the hub can see: a node's value of the scope label is only in the view for the
 * zone and pool labels (the agent's own `labels[label] ?? ''`, so an unlabelled node has the
 * value ""); for another label the values come from the slot Leases alone.
 */
export function publishedScope(nodes: readonly NodeView[]): { label: string; limit: number; values: string[] } | undefined {
  const scopes = nodes.flatMap((n) => (n.state?.limits?.scope ? [n.state.limits.scope] : []));
  const s = mostCommon(scopes, (x) => `${x.label}\u0000${x.limit}`, (a, b) => a.limit < b.limit);
  if (!s) return undefined;
  const values = nodes.filter((n) => n.state?.limits?.scope?.label === s.label).map((n) => scopeValue(n, s.label));
  return { label: s.label, limit: s.limit, values: [...new Set(values.filter((v) => v !== undefined))] };
}

/** The node's value of the scope label, when the view carries it (zone, pool); undefined otherwise. */
export function scopeValue(n: NodeView, label: string): string | undefined {
  return label === ZONE_LABEL ? (n.zone ?? '') : label === POOL_LABEL ? (n.pool ?? '') : undefined;
}

/** Lock slots and the waiting queue, from the Leases in the agent namespace and the node views. */
export function lockView(leases: V1Lease[], nodes: NodeView[]): LockView {
  const slots: LockSlot[] = [];
  const markers: { node: string; at: number }[] = [];
  for (const l of leases) {
    const name = l.metadata?.name ?? '';
    const ann = l.metadata?.annotations ?? {};
    if (name.startsWith(LOCK_PREFIX)) {
      const slot: LockSlot = { name, scope: ann[LEASE_ANNOTATIONS.scope] || scopeOf(name) };
      const holder = l.spec?.holderIdentity;
      if (holder) {
        slot.holder = holder;
        const acquired = leaseTime(l.spec?.acquireTime);
        if (acquired !== undefined) slot.since = iso(acquired);
        if (ann[LEASE_ANNOTATIONS.stage]) slot.stage = ann[LEASE_ANNOTATIONS.stage];
        const renew = leaseTime(l.spec?.renewTime) ?? acquired;
        const dur = l.spec?.leaseDurationSeconds;
        if (renew !== undefined && dur !== undefined && dur > 0) slot.expiresAt = iso(renew + dur * 1000);
      }
      slots.push(slot);
    } else if (name.startsWith(WAIT_PREFIX)) {
      const node = l.spec?.holderIdentity || name.slice(WAIT_PREFIX.length);
      const at = leaseTime(l.spec?.acquireTime) ?? leaseTime(l.metadata?.creationTimestamp) ?? Number.MAX_SAFE_INTEGER;
      markers.push({ node, at });
    }
  }
  // Slot Leases are made on first use: the cluster slots the agents' published limit allows that
  // no Lease stands for yet are free, so the view says "2 of 3 free" before a third was needed.
  // The same for each scope value (a zone, a pool): "zone b 0/1" before b's first reboot.
  const fill = (limit: number, nameOf: (i: number) => string, scope: string) => {
    for (let i = 0; i < limit; i++) {
      const name = nameOf(i);
      if (!slots.some((s) => s.name === name)) slots.push({ name, scope });
    }
  };
  fill(publishedConcurrency(nodes) ?? 0, clusterSlotName, 'cluster');
  const scope = publishedScope(nodes);
  if (scope) {
    const prefix = `${scope.label}=`;
    const seen = slots.filter((s) => s.scope.startsWith(prefix)).map((s) => s.scope.slice(prefix.length));
    for (const value of new Set([...scope.values, ...seen])) fill(scope.limit, (i) => scopeSlotName(value, i), prefix + value);
  }
  slots.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const holders = new Set(slots.map((s) => s.holder).filter((h) => h !== undefined));
  const marked = new Set(markers.map((m) => m.node));
  // A waiting-lock state without a marker still queues (after the marked ones): never hide a waiter.
  const unmarked = nodes
    .filter((n) => n.state?.phase === 'waiting-lock' && !marked.has(n.name))
    .map((n) => ({ node: n.name, at: Date.parse(n.state!.since) || Number.MAX_SAFE_INTEGER }));
  const byTime = (a: { node: string; at: number }, b: { node: string; at: number }) => a.at - b.at || a.node.localeCompare(b.node);
  const waiting = [...markers.sort(byTime), ...unmarked.sort(byTime)].map((m) => m.node).filter((n) => !holders.has(n));
  return { slots, waiting };
}

/** The cluster-wide manual block on the agent DaemonSet, or null. */
export function clusterBlock(ds: V1DaemonSet | undefined): { reason: string; until?: string } | null {
  if (!ds) return null;
  const r = parseRequests(ds.metadata?.annotations);
  if (!r.block) return null;
  const b: { reason: string; until?: string } = { reason: r.block.reason };
  if (r.block.until !== undefined) b.until = iso(r.block.until);
  return b;
}

/** Time of an Event in ms: the most precise field the writer filled in. */
export function eventTime(e: CoreV1Event): number {
  return (
    leaseTime(e.eventTime) ??
    leaseTime(e.lastTimestamp) ??
    leaseTime(e.series?.lastObservedTime) ??
    leaseTime(e.firstTimestamp) ??
    leaseTime(e.metadata?.creationTimestamp) ??
    0
  );
}

/** Longest Event reason and message shown (and cached, slim.ts): Kubernetes allows a message of
 *  up to 1 MiB, and the event log holds 200 of them for every client. */
export const EVENT_REASON_MAX = 128;
export const EVENT_MESSAGE_MAX = 1024;

/** The stream's view of a Kubernetes Event about a Node, or undefined for other Events. */
export function clusterEvent(e: CoreV1Event): ClusterEvent | undefined {
  if (e.involvedObject?.kind !== 'Node') return undefined;
  const count = e.series?.count ?? e.count ?? 1;
  const ev: ClusterEvent = {
    id: `${e.metadata?.uid ?? e.metadata?.name ?? ''}:${count}`,
    time: new Date(eventTime(e)).toISOString(),
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: (e.reason ?? '').slice(0, EVENT_REASON_MAX),
    message: (e.message ?? '').slice(0, EVENT_MESSAGE_MAX),
  };
  if (e.involvedObject.name) ev.node = e.involvedObject.name;
  return ev;
}

// What the hub's informers keep of each object. client-node's ListWatch caches every object it
// lists and watches, whole; a real Node is 10-25 KB of JSON (its cached images, system info,
// addresses, capacity, and managedFields, the server-side apply bookkeeping), of which the hub's
// model (model.ts) reads a few hundred bytes. Across thousands of Nodes that cache was most of the
// hub's memory (bench/hub-memory.ts). Like client-go's informer transforms, objects are cut down
// as they arrive, before they are cached, to what model.ts reads plus what the informer itself
// needs (name, namespace, resourceVersion). Pure, table-tested in slim.test.ts; model.test.ts's
// tables run through it too, so a field the model starts reading is not cut away unnoticed.

import type { CoreV1Event, KubernetesObject, V1DaemonSet, V1Lease, V1Node, V1ObjectMeta } from '@kubernetes/client-node';
import { EVENT_MESSAGE_MAX, EVENT_REASON_MAX } from './model.ts';

/** Metadata without managedFields (and ownerReferences, finalizers: nothing here reads them). */
function meta(m: V1ObjectMeta | undefined): V1ObjectMeta {
  if (!m) return {};
  const out: V1ObjectMeta = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'labels', 'annotations'] as const) {
    if (m[k] !== undefined) (out as Record<string, unknown>)[k] = m[k];
  }
  return out;
}

/** A Node: readiness, cordon, boot ID, labels and annotations. */
export function slimNode(n: V1Node): V1Node {
  const out: V1Node = { metadata: meta(n.metadata) };
  if (n.spec?.unschedulable !== undefined) out.spec = { unschedulable: n.spec.unschedulable };
  const status: NonNullable<V1Node['status']> = {};
  const ready = n.status?.conditions?.filter((c) => c.type === 'Ready');
  if (ready?.length) status.conditions = ready.map((c) => ({ type: c.type, status: c.status }));
  const boot = n.status?.nodeInfo?.bootID;
  if (boot !== undefined) status.nodeInfo = { bootID: boot } as NonNullable<typeof status.nodeInfo>;
  if (Object.keys(status).length) out.status = status;
  return out;
}

/** A Lease: all of its spec (holder, times, duration: a few fields). */
export function slimLease(l: V1Lease): V1Lease {
  return { metadata: meta(l.metadata), ...(l.spec ? { spec: l.spec } : {}) };
}

/** The agent DaemonSet: only its annotations are read (the cluster-wide block). */
export function slimDaemonSet(d: V1DaemonSet): V1DaemonSet {
  return { metadata: meta(d.metadata) };
}

/** An Event: who, what and when; reason and message cut to what the stream shows (model.ts). */
export function slimEvent(e: CoreV1Event): CoreV1Event {
  const out: CoreV1Event = { metadata: meta(e.metadata), involvedObject: { kind: e.involvedObject?.kind, name: e.involvedObject?.name } };
  for (const k of ['type', 'count', 'eventTime', 'firstTimestamp', 'lastTimestamp'] as const) {
    if (e[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = e[k];
  }
  if (e.reason !== undefined) out.reason = e.reason.slice(0, EVENT_REASON_MAX);
  if (e.message !== undefined) out.message = e.message.slice(0, EVENT_MESSAGE_MAX);
  if (e.series) out.series = { count: e.series.count, lastObservedTime: e.series.lastObservedTime };
  return out;
}

export type Slim<T extends KubernetesObject> = (o: T) => T;

// Kured's lock, read during a cutover from Kured (pure: no I/O; kured-watch.ts observes). Kured
// 1.23 locks with one annotation on its DaemonSet (pkg/daemonsetlock), `weave.works/kured-node-lock`
// by default, in one of two JSON forms:
//   --concurrency=1  {"nodeID":"n1","metadata":{"unschedulable":false},"created":"<RFC 3339>","TTL":0}
//   --concurrency>1  {"maxOwners":2,"locks":[<entries as above>]}
// `metadata.unschedulable` says whether the node was already cordoned BEFORE Kured took the lock;
// `TTL` is a Go duration in nanoseconds, 0 = the lock never expires; an entry is expired once
// now - created >= TTL (Kured's ttlExpired, by the reading node's clock, as Kured judges it).
//
// Two rules live here. Slots: Kured's live holders count against nodemend's cluster concurrency,
// and a lock nodemend cannot read takes no slot (fail closed). Adoption: when nodemend may undo a
// cordon that Kured left behind (kuredAdoption, below).

/** Annotation key and field manager of a stock Kured install. */
export const KURED_LOCK_ANNOTATION = 'weave.works/kured-node-lock';
/**
 * The field manager of Kured's own writes: Kured's client sets no field manager, so the API server
 * records the user agent's program name, `kured` (the binary /usr/bin/kured of its image).
 */
export const KURED_FIELD_MANAGER = 'kured';

export interface KuredHolder {
  node: string;
  /** metadata.unschedulable: the node was cordoned before Kured; undefined when the entry does not say. */
  wasUnschedulable?: boolean;
  created: number;
  /** 0 = never expires. */
  ttlMs: number;
}

/** What the agent knows of Kured's lock, from its DaemonSet informer. */
export type KuredLockFact =
  /** --kured-ds-name is empty: the cutover is off. */
  | { kind: 'off' }
  /** The DaemonSet cannot be read (not listed yet, or the watch fails from the start). */
  | { kind: 'unknown'; where: string; error: string }
  /** No Kured DaemonSet: Kured is not installed, so nobody holds its lock. */
  | { kind: 'absent'; where: string }
  /** The annotation is there but is not Kured's lock. */
  | { kind: 'invalid'; where: string; error: string }
  | { kind: 'read'; where: string; holders: KuredHolder[] };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses the annotation value (undefined = no annotation = no holder). */
export function parseKuredLock(value: string | undefined): { ok: true; holders: KuredHolder[] } | { ok: false; error: string } {
  if (value === undefined || value === '') return { ok: true, holders: [] };
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return { ok: false, error: `not JSON: ${JSON.stringify(value.slice(0, 80))}` };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  // The multi-holder form. Told apart by its keys: Go's decoder would read it as a single lock
  // held by "" that never expires (and Kured would then block every node forever).
  if ('locks' in o || 'maxOwners' in o) {
    if (o.locks !== null && o.locks !== undefined && !Array.isArray(o.locks)) return { ok: false, error: '"locks" is not a list' };
    const holders: KuredHolder[] = [];
    for (const [i, e] of ((o.locks as unknown[] | null) ?? []).entries()) {
      const h = entry(e);
      if (typeof h === 'string') return { ok: false, error: `locks[${i}]: ${h}` };
      holders.push(h);
    }
    return { ok: true, holders };
  }
  const h = entry(o);
  return typeof h === 'string' ? { ok: false, error: h } : { ok: true, holders: [h] };
}

function entry(e: unknown): KuredHolder | string {
  if (!e || typeof e !== 'object' || Array.isArray(e)) return 'not a JSON object';
  const o = e as Record<string, unknown>;
  if (typeof o.nodeID !== 'string' || o.nodeID === '') return 'no "nodeID"';
  if (typeof o.created !== 'string' || !RFC3339.test(o.created)) return `"created" is not an RFC 3339 time: ${JSON.stringify(o.created ?? null)}`;
  const created = Date.parse(o.created);
  if (Number.isNaN(created)) return `"created" is not a time: ${JSON.stringify(o.created)}`;
  const ttl = o.TTL ?? 0;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl)) return `"TTL" is not a number of nanoseconds: ${JSON.stringify(ttl)}`;
  const h: KuredHolder = { node: o.nodeID, created, ttlMs: ttl / 1e6 };
  const meta = o.metadata as { unschedulable?: unknown } | undefined;
  if (typeof meta?.unschedulable === 'boolean') h.wasUnschedulable = meta.unschedulable;
  return h;
}

/** Kured's ttlExpired: a positive TTL that has run out since `created`. */
export function expired(h: KuredHolder, now: number): boolean {
  return h.ttlMs > 0 && now - h.created >= h.ttlMs;
}

export type KuredSlotCheck = { ok: true; holders: string[]; where?: string } | { ok: false; reason: string };

const DISABLE = 'set --kured-ds-name= (empty) to turn the Kured cutover off';

/**
 * Whether this node may try for a lock slot given Kured's lock, and which other nodes Kured holds
 * it for (they count against the cluster concurrency). This node's own entry does not count: the
 * node is the same whether Kured or nodemend disrupts it.
 */
export function kuredSlotCheck(f: KuredLockFact | undefined, me: string, now: number): KuredSlotCheck {
  if (!f || f.kind === 'off' || f.kind === 'absent') return { ok: true, holders: [] };
  if (f.kind === 'unknown') return { ok: false, reason: `cannot read Kured's lock on ${f.where}: ${f.error}; the agent needs get, list and watch on that DaemonSet (deploy/base/kured-cutover-rbac.yaml), or ${DISABLE}` };
  if (f.kind === 'invalid') {
    return { ok: false, reason: `Kured's lock on ${f.where} cannot be read (${f.error}), so nodemend cannot tell how many nodes Kured is rebooting; remove the annotation once no Kured agent runs, or ${DISABLE}` };
  }
  const holders = [...new Set(f.holders.filter((h) => h.node !== me && !expired(h, now)).map((h) => h.node))].sort();
  return { ok: true, holders, where: f.where };
}

/** This node's live-or-not entry in Kured's lock, when the lock was read. */
export function kuredEntry(f: KuredLockFact | undefined, me: string): KuredHolder | undefined {
  return f?.kind === 'read' ? f.holders.find((h) => h.node === me) : undefined;
}

/** What the agent gathers, fresh from the API server, before it adopts a cordon Kured left. */
export interface KuredCordonFacts {
  unschedulable: boolean;
  /** Field managers that own spec.unschedulable (managedFields). */
  cordonManagers: string[];
  /** Pods of the Kured DaemonSet on this node (any phase, terminating included); undefined = could not list. */
  kuredPods?: string[];
  /** The Node's resourceVersion read: the uncordon is a compare-and-swap on it. */
  resourceVersion: string;
}

export type Adoption = { adopt: true; why: string } | { adopt: false; why: string };

/**
 * Whether nodemend may uncordon this node because Kured cordoned it and will not come back to undo
 * it. All of these must hold, each closing one way to undo a person's cordon:
 *  1. Kured's lock names this node: Kured was working on it.
 *  2. Its entry says the node was schedulable before Kured (metadata.unschedulable false). Kured
 *     writes true when a person had cordoned the node first; a missing value counts as true.
 *  3. The node is cordoned, and Kured's own client is the only writer that owns spec.unschedulable
 *     (managedFields). A person who uncordoned it and cordoned it again later (kubectl, a console)
 *     owns the field now, so that cordon stays.
 *  4. No Kured pod is on the node any more (or none could be listed: then no). Kured uncordons its
 *     own node when it comes back; undoing the cordon while it drains would fight it. An expired
 *     TTL alone is not enough for that reason: Kured keeps draining past its TTL.
 * The uncordon itself is a compare-and-swap on the resourceVersion gathered, so a cordon written
 * after these were checked fails the write instead of being undone.
 */
export function kuredAdoption(e: KuredHolder | undefined, n: KuredCordonFacts): Adoption {
  if (!e) return { adopt: false, why: "Kured's lock does not name this node" };
  if (!n.unschedulable) return { adopt: false, why: 'the node is not cordoned' };
  if (e.wasUnschedulable !== false) return { adopt: false, why: "Kured's lock records that the node was already cordoned before Kured (a person's cordon): left cordoned" };
  const others = n.cordonManagers.filter((m) => m !== KURED_FIELD_MANAGER);
  if (n.cordonManagers.length === 0 || others.length) {
    const by = others.length ? `by ${others.join(', ')}` : 'by an unknown writer';
    return { adopt: false, why: `the cordon was written ${by}, not by Kured: left cordoned` };
  }
  if (n.kuredPods === undefined) return { adopt: false, why: 'cannot tell whether Kured still runs on the node: left cordoned for now' };
  if (n.kuredPods.length) return { adopt: false, why: `Kured still runs on the node (pod ${n.kuredPods[0]}) and uncordons it itself` };
  return { adopt: true, why: 'Kured cordoned this node (it was schedulable before) and no Kured agent runs on it any more' };
}

/** Field managers owning spec.unschedulable in a Node's managedFields (main resource, not status). */
export function unschedulableOwners(managedFields: readonly { manager?: string; subresource?: string; fieldsV1?: object }[] | undefined): string[] {
  const out = new Set<string>();
  for (const m of managedFields ?? []) {
    if (m.subresource) continue;
    const spec = (m.fieldsV1 as Record<string, Record<string, unknown> | undefined> | undefined)?.['f:spec'];
    if (spec && typeof spec === 'object' && 'f:unschedulable' in spec) out.add(m.manager ?? '');
  }
  return [...out].sort();
}

// The Lease conventions the agent writes and the hub (and the extension, through the hub) reads,
// in the agent's namespace: lock slots, waiting markers and the annotations a held slot carries.
//
//   Lock slots        `nodemend-lock-<i>`: the cluster's M slots; `nodemend-lock-<scope slug>-<i>`:
//                     the N slots of one scope value (a zone, a pool). holderIdentity = node name.
//   Waiting markers   `nodemend-wait-<node>`: holderIdentity = node, acquireTime = since when it
//                     waits. They only inform (the queue); the lock never depends on them.
//   Annotations       on a held slot, `LEASE_ANNOTATIONS`: the reboot's stage (so a restarted agent
//                     resumes), its scope, and what finishing needs (boot ID before, whether a
//                     person had cordoned the node, forced).

export const LOCK_PREFIX = 'nodemend-lock-';
export const WAIT_PREFIX = 'nodemend-wait-';

export function clusterSlotName(i: number): string {
  return `${LOCK_PREFIX}${i}`;
}

export function scopeSlotName(value: string, i: number): string {
  return `${LOCK_PREFIX}${slug(value)}-${i}`;
}

/** The slot index if `name` belongs to the group (cluster when scopeValue is undefined). */
export function slotIndex(name: string, scopeValue?: string): number | undefined {
  const head = scopeValue === undefined ? LOCK_PREFIX : `${LOCK_PREFIX}${slug(scopeValue)}-`;
  if (!name.startsWith(head)) return undefined;
  const rest = name.slice(head.length);
  return /^(0|[1-9]\d{0,5})$/.test(rest) ? Number(rest) : undefined;
}

/**
 * A DNS-label-safe form of a label value. Label values allow upper case, '_' and '.', Lease names
 * do not; when the value had to change, a hash of the original keeps two values (say "A" and
 * "a") from sharing slots. An empty value (node without the label) gets a group of its own.
 */
export function slug(value: string): string {
  const s = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  if (s === value && s !== '') return s;
  return `${s || 'none'}-${fnv1a(value)}`;
}

export function waitMarkerName(node: string): string {
  const n = `${WAIT_PREFIX}${node}`;
  return n.length <= 253 ? n : `${n.slice(0, 240)}-${fnv1a(node)}`;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const ch of new TextEncoder().encode(s)) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** "cluster" for `nodemend-lock-<i>`, else the slot group's slug, e.g. "zone-a" for nodemend-lock-zone-a-0. */
export function scopeOf(leaseName: string): string {
  const rest = leaseName.slice(LOCK_PREFIX.length);
  if (/^\d+$/.test(rest)) return 'cluster';
  const m = /^(.*)-\d+$/.exec(rest);
  return m ? m[1]! : rest;
}

export const LEASE_ANNOTATIONS = {
  stage: 'nodemend.dev/stage',
  stageAt: 'nodemend.dev/stage-at',
  scope: 'nodemend.dev/scope',
  acquiredAt: 'nodemend.dev/acquired-at',
  bootIdBefore: 'nodemend.dev/boot-id-before',
  wasUnschedulable: 'nodemend.dev/was-unschedulable',
  forced: 'nodemend.dev/forced',
} as const;

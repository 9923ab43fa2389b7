// The hub's WebSocket stream: one typed, versioned protocol for the backend, the extension and
// the webview. Every frame is JSON. Who sends what:
//   client -> hub: ClientHello (first frame, within 10 s), then nothing but WebSocket pings.
//   hub -> client: ServerHello, then Snapshot, then Delta* interleaved with Heartbeat;
//                  Notice when the hub coalesces or is about to disconnect a slow client;
//                  Error for a bad frame (repeated bad frames close the connection, code 1008).
// Resume: a client that reconnects sends resume {streamId, seq}; if the hub still holds every
// delta after seq for that stream it replays exactly those, else it sends a notice 'resync' and
// a fresh Snapshot. A new streamId (hub restarted, or another replica answered) always means a
// snapshot: replace nodes/locks/blocks/forecast wholesale, and merge the snapshot's events into
// the ones already shown with mergeEvents (events carry stable ids), so nothing is lost or shown
// twice. A notice 'coalesced' (the client read too slowly, deltas were dropped) is likewise
// followed by a Snapshot; a notice 'slow-client' precedes a close with code 1013.
// Sequence numbers increase by one per Delta within a stream; a Snapshot carries the seq of the
// last delta it includes (the next Delta has seq + 1); a Heartbeat carries the seq of the last
// Delta sent, so a client can tell it missed nothing even when the cluster is quiet.

import type { ManualBlock, Parsed } from './annotations.ts';
import type { AgentNodeState, BlockKind, RebootRecord } from './model.ts';
import { fail, isDeltaOp, isInt, isObj, isSnapshot, isStr, show, type Obj } from './shapes.ts';

export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [1];
/** Frames larger than this are refused by both sides. */
export const MAX_FRAME_BYTES = 1 << 20;
/** WebSocket subprotocol name, so proxies and servers can tell the stream apart. */
export const SUBPROTOCOL = 'nodemend.v1';
/**
 * A client that cannot set an Authorization header (a browser) may offer its bearer token as an
 * extra subprotocol `${BEARER_SUBPROTOCOL_PREFIX}<base64url(token)>`, as Kubernetes itself accepts.
 */
export const BEARER_SUBPROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

export interface NodeView {
  name: string;
  zone?: string;
  pool?: string;
  ready: boolean;
  unschedulable: boolean;
  /** True when nodemend cordoned the node (and so will uncordon it). */
  cordonedByUs: boolean;
  bootId?: string;
  /** The agent's last published state; absent when no agent reported yet. */
  state?: AgentNodeState;
  requests: { rebootAfter?: string; forceReboot?: string; block?: { reason: string; until?: string } };
  /** Errors in the node's request annotations, as the agent would report them. */
  requestErrors: string[];
  history: RebootRecord[];
  /** 1-based place in the lock queue, when waiting for a slot. */
  queuePosition?: number;
}

export interface LockSlot {
  /** Lease name. */
  name: string;
  /**
   * "cluster", or for scoped slots the Lease's nodemend.dev/scope annotation ("<label>=<value>")
   * when the agent writes it, else the slot group's name slug (e.g. "zone-a").
   */
  scope: string;
  holder?: string;
  since?: string;
  /** Stage the holder reported in the Lease (acquired, cordoned, drained, rebooting). */
  stage?: string;
  /**
   * RFC3339 of renewTime + leaseDurationSeconds: when the holder's renewals lapse. A lapsed lease
   * is not by itself a free slot: the agents keep a NotReady (rebooting) holder's slot up to the
   * maximum reboot duration, and only a Ready holder that stopped renewing loses it.
   */
  expiresAt?: string;
}

export interface LockView {
  slots: LockSlot[];
  /** Nodes waiting for a slot, first in line first. */
  waiting: string[];
}

export interface Forecast {
  /**
   * Nodes that need a reboot (or are in one) and can proceed: the ones finishAt covers. Nodes that
   * need a reboot but are held are not counted here; they are in `held`.
   */
  pending: number;
  /** False when too few reboots were measured to say anything; the reason says so. */
  enoughData: boolean;
  /** Median measured duration of one reboot (drain + reboot + verify), ms. */
  perNodeMs?: number;
  /** Expected completion time of the pending nodes, RFC3339. */
  finishAt?: string;
  /** Whether the rollout fits in the currently open window; undefined = unknown (fitUnknown says why). */
  fitsWindow?: boolean;
  /** Why fitsWindow is unknown, e.g. "the window is closed: its end is published once it opens". */
  fitUnknown?: string;
  /**
   * Nodes that need a reboot but cannot move until something changes (a person's block, the
   * cluster-wide block, an automatic blocker, a PodDisruptionBudget), each node in one group. Not
   * forecast: they finish when their hold is lifted. Absent when none is held (and from older hubs).
   */
  held?: HeldGroup[];
  basis: string;
}

/** Held nodes with the same hold (protocol/held.ts words it). */
export interface HeldGroup {
  /** What holds them; 'unknown' when the agent does not publish it (an older agent). */
  by: BlockKind | 'unknown';
  /** With by 'pdb': the PodDisruptionBudget ("namespace/name"), when the agent names it. */
  pdb?: string;
  /** How many nodes this hold keeps. */
  count: number;
  /**
   * The first HELD_NAMES_MAX of them, in name order. Bounded: the forecast is sent again whenever
   * its finish time moves (about once a second while nodes reboot), and a cluster-wide block
   * holds every node.
   */
  nodes: string[];
}

export const HELD_NAMES_MAX = 10;

export interface ClusterEvent {
  /**
   * Stable identity of this occurrence (Kubernetes Event uid and count), the same in every hub
   * replica and after a hub restart: a client that gets a fresh snapshot after a resync keeps
   * the events it already has and adds only the ids it has not seen (see mergeEvents).
   */
  id?: string;
  time: string;
  node?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ClusterSnapshot {
  nodes: NodeView[];
  locks: LockView;
  clusterBlock?: { reason: string; until?: string };
  forecast: Forecast;
  /** Most recent events, newest last, bounded. */
  events: ClusterEvent[];
  /** Whether the backend (agent DaemonSet) was found. */
  backendInstalled: boolean;
}

export type DeltaOp =
  | { op: 'node'; node: NodeView }
  | { op: 'node-removed'; name: string }
  | { op: 'locks'; locks: LockView }
  | { op: 'cluster-block'; block: { reason: string; until?: string } | null }
  | { op: 'forecast'; forecast: Forecast }
  | { op: 'event'; event: ClusterEvent }
  | { op: 'backend'; installed: boolean };

export interface ClientHello {
  type: 'hello';
  versions: number[];
  resume?: { streamId: string; seq: number };
  client?: string;
}

export type ClientMessage = ClientHello;

export type ServerMessage =
  | { type: 'hello'; version: number; streamId: string; hub: string; heartbeatMs: number }
  | { type: 'snapshot'; seq: number; snapshot: ClusterSnapshot }
  | { type: 'delta'; seq: number; ops: DeltaOp[] }
  | { type: 'heartbeat'; seq: number; time: string }
  | { type: 'notice'; code: 'coalesced' | 'slow-client' | 'resync'; message: string }
  | { type: 'error'; code: 'bad-frame' | 'unsupported-version' | 'too-large' | 'unauthorized' | 'internal'; message: string };

// ---- validation (where a message enters a process) ----

/** Reads one JSON object frame, refusing oversized text before parsing it. */
function readFrame(text: string, limit: number): Parsed<Obj> {
  if (text.length > limit) return fail(`frame larger than ${limit} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fail('frame is not JSON');
  }
  return isObj(v) ? { ok: true, value: v } : fail('frame is not a JSON object');
}

/** Parses one text frame from a client. Never throws. */
export function parseClientMessage(text: string): Parsed<ClientMessage> {
  const frame = readFrame(text, MAX_FRAME_BYTES);
  if (!frame.ok) return frame;
  const v = frame.value;
  if (v.type !== 'hello') return fail(`unknown message type ${show(v.type)}; expected "hello"`);
  if (!Array.isArray(v.versions) || v.versions.length === 0 || v.versions.length > 16 || !v.versions.every(isInt)) {
    return fail('hello.versions: expected a non-empty array of protocol versions, e.g. [1]');
  }
  const msg: ClientHello = { type: 'hello', versions: v.versions as number[] };
  if (v.resume !== undefined) {
    const r = v.resume;
    if (!isObj(r) || !isStr(r.streamId) || r.streamId.length > 64 || !isInt(r.seq)) {
      return fail('hello.resume: expected {streamId: string, seq: non-negative integer}');
    }
    msg.resume = { streamId: r.streamId, seq: r.seq };
  }
  if (v.client !== undefined) {
    if (!isStr(v.client) || v.client.length > 128) return fail('hello.client: expected a string of at most 128 characters');
    msg.client = v.client;
  }
  return { ok: true, value: msg };
}

/**
 * Parses one frame from the hub. Checks the envelope and the fields the client acts on
 * (type, seq, ops; see shapes.ts). A snapshot of thousands of nodes is larger than a client
 * frame may be, hence the higher limit.
 */
export function parseServerMessage(text: string): Parsed<ServerMessage> {
  const frame = readFrame(text, 16 * MAX_FRAME_BYTES);
  if (!frame.ok) return frame;
  const v = frame.value;
  switch (v.type) {
    case 'hello':
      return isInt(v.version) && isStr(v.streamId) && isStr(v.hub) && isInt(v.heartbeatMs)
        ? { ok: true, value: v as ServerMessage }
        : fail('hello: expected {version, streamId, hub, heartbeatMs}');
    case 'snapshot':
      return isInt(v.seq) && isSnapshot(v.snapshot) ? { ok: true, value: v as ServerMessage } : fail('snapshot: malformed');
    case 'delta':
      return isInt(v.seq) && Array.isArray(v.ops) && v.ops.every(isDeltaOp)
        ? { ok: true, value: v as ServerMessage }
        : fail('delta: malformed');
    case 'heartbeat':
      return isInt(v.seq) && isStr(v.time) ? { ok: true, value: v as ServerMessage } : fail('heartbeat: malformed');
    case 'notice':
    case 'error':
      return isStr(v.code) && isStr(v.message) ? { ok: true, value: v as ServerMessage } : fail(`${v.type}: malformed`);
    default:
      return fail(`unknown message type ${show(v.type)}`);
  }
}

/** Applies a delta to a snapshot in place. The one reducer all clients share. */
export function applyDelta(s: ClusterSnapshot, ops: DeltaOp[], maxEvents = 200): void {
  for (const o of ops) {
    switch (o.op) {
      case 'node': {
        const i = s.nodes.findIndex((n) => n.name === o.node.name);
        if (i >= 0) s.nodes[i] = o.node;
        else s.nodes.push(o.node);
        break;
      }
      case 'node-removed':
        s.nodes = s.nodes.filter((n) => n.name !== o.name);
        break;
      case 'locks':
        s.locks = o.locks;
        break;
      case 'cluster-block':
        if (o.block) s.clusterBlock = o.block;
        else delete s.clusterBlock;
        break;
      case 'forecast':
        s.forecast = o.forecast;
        break;
      case 'event':
        s.events.push(o.event);
        if (s.events.length > maxEvents) s.events.splice(0, s.events.length - maxEvents);
        break;
      case 'backend':
        s.backendInstalled = o.installed;
        break;
    }
  }
}

/**
 * Merges the events of a fresh snapshot (after a resync, e.g. the hub restarted) into the events a
 * client already holds: known ids are kept once, unseen ones are appended in the snapshot's order.
 * Events without id (older hubs) cannot be matched and are all taken from the snapshot.
 */
export function mergeEvents(known: ClusterEvent[], incoming: ClusterEvent[], maxEvents = 200): ClusterEvent[] {
  if (incoming.some((e) => e.id === undefined)) return incoming.slice(-maxEvents);
  const seen = new Set(known.map((e) => e.id));
  const out = [...known, ...incoming.filter((e) => !seen.has(e.id))];
  return out.slice(-maxEvents);
}

export type { ManualBlock };

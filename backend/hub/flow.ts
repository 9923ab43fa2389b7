// Flow control for one client: keeps a slow reader from growing the hub's memory. Pure.
//
// The socket's own send buffer is the only queue. While it holds less than `highWater` bytes,
// deltas are sent as they come. Above it the client is "behind": further deltas are dropped
// (not queued), and once the buffer drains below `lowWater` the client is sent a `coalesced`
// notice and one fresh snapshot that replaces everything it missed. A client behind for longer
// than `maxBehindMs` is told `slow-client` and disconnected. Memory per client is therefore
// bounded by highWater + one snapshot, whatever the event rate.

export interface FlowLimits {
  highWater: number;
  lowWater: number;
  maxBehindMs: number;
}

export const DEFAULT_FLOW: FlowLimits = { highWater: 4 << 20, lowWater: 256 << 10, maxBehindMs: 30_000 };

export type TickAction = 'none' | 'resync' | 'disconnect';

export class Flow {
  private behindSince: number | undefined;
  dropped = 0;
  /** Bytes of the last snapshot written: it may sit in the buffer on top of highWater. */
  private allowance = 0;
  private readonly limits: FlowLimits;

  constructor(limits: FlowLimits = DEFAULT_FLOW) {
    this.limits = limits;
  }

  get behind(): boolean {
    return this.behindSince !== undefined;
  }

  /** Records a snapshot write, so a snapshot larger than highWater does not trip a resync loop. */
  sentSnapshot(bytes: number): void {
    this.allowance = bytes;
  }

  /** Whether a frame of `bytes` may be written now, given the socket's buffered bytes. */
  offer(buffered: number, bytes: number, now: number): boolean {
    if (this.behindSince === undefined && buffered + bytes <= this.limits.highWater + this.allowance) return true;
    // A frame larger than the whole budget would never fit: a snapshot will replace it.
    this.behindSince ??= now;
    this.dropped++;
    return false;
  }

  /** Called on a timer and after writes drain: resync once drained, give up after maxBehindMs. */
  tick(buffered: number, now: number): TickAction {
    if (this.behindSince === undefined) return 'none';
    if (buffered <= this.limits.lowWater) {
      this.allowance = 0;
      this.behindSince = undefined;
      return 'resync';
    }
    return now - this.behindSince > this.limits.maxBehindMs ? 'disconnect' : 'none';
  }
}

/**
 * The hub-wide budget: per-client limits bound each client, not how many there are. When the
 * clients' send buffers together exceed `budget` bytes, the ones furthest behind (most bytes
 * waiting) are cut first until the rest fit; a client that reads keeps its stream. Returns the
 * clients to cut, largest first.
 */
export function toShed<T extends { buffered: number }>(clients: Iterable<T>, budget: number): T[] {
  const all = [...clients];
  let total = all.reduce((n, c) => n + c.buffered, 0);
  if (total <= budget) return [];
  const out: T[] = [];
  for (const c of all.sort((a, b) => b.buffered - a.buffered)) {
    if (total <= budget || c.buffered === 0) break;
    out.push(c);
    total -= c.buffered;
  }
  return out;
}

// The client side of the hub stream as a pure state machine: it takes parsed frames in order and
// says what changed, holds the snapshot and the resume point (streamId + last seq), and detects a
// gap in sequence numbers, which it answers by asking for a fresh snapshot rather than showing a
// view that silently misses a change.

import type { ClientHello, ClusterSnapshot, DeltaOp, ServerMessage } from '../../protocol/messages.ts';
import { applyDelta, mergeEvents, SUPPORTED_VERSIONS } from '../../protocol/messages.ts';

export type Outcome =
  | { kind: 'none' }
  | { kind: 'hello'; heartbeatMs: number }
  | { kind: 'snapshot' }
  | { kind: 'delta'; ops: DeltaOp[] }
  /** Sequence numbers jumped or went back: reconnect without resume to get a fresh snapshot. */
  | { kind: 'resync'; reason: string }
  | { kind: 'notice'; message: string }
  | { kind: 'error'; fatal: boolean; message: string };

export class StreamState {
  private snap: ClusterSnapshot | undefined;
  private streamId: string | undefined;
  private seq: number | undefined;
  /** True between a hello and the first snapshot or replayed delta of that connection. */
  private awaitingFirst = false;

  snapshot(): ClusterSnapshot | undefined {
    return this.snap;
  }

  /** The first frame of every connection; asks to resume when we hold a snapshot. */
  hello(client: string): ClientHello {
    const h: ClientHello = { type: 'hello', versions: [...SUPPORTED_VERSIONS], client };
    if (this.snap && this.streamId !== undefined && this.seq !== undefined) h.resume = { streamId: this.streamId, seq: this.seq };
    return h;
  }

  /** Forget the resume point (not the snapshot, which stays on screen until the fresh one). */
  forgetResume(): void {
    this.streamId = undefined;
    this.seq = undefined;
  }

  /** Forget everything: another cluster or context. */
  reset(): void {
    this.snap = undefined;
    this.forgetResume();
  }

  handle(m: ServerMessage): Outcome {
    switch (m.type) {
      case 'hello':
        if (!SUPPORTED_VERSIONS.includes(m.version)) {
          return { kind: 'error', fatal: true, message: `hub speaks protocol version ${m.version}; this extension supports ${SUPPORTED_VERSIONS.join(', ')}. Update the extension or the backend.` };
        }
        // A different stream (hub restarted, other replica): our seq means nothing there.
        if (m.streamId !== this.streamId) this.seq = undefined;
        this.streamId = m.streamId;
        this.awaitingFirst = true;
        return { kind: 'hello', heartbeatMs: m.heartbeatMs };
      case 'snapshot': {
        const prev = this.snap;
        const next = m.snapshot;
        // Events are history: keep what we already showed when a resync sends a fresh snapshot.
        if (prev) next.events = mergeEvents(prev.events, next.events);
        this.snap = next;
        this.seq = m.seq;
        this.awaitingFirst = false;
        return { kind: 'snapshot' };
      }
      case 'delta': {
        if (!this.snap || this.seq === undefined) return { kind: 'resync', reason: 'delta before any snapshot' };
        if (m.seq <= this.seq) return { kind: 'none' }; // a replayed duplicate: already applied
        if (m.seq !== this.seq + 1) return { kind: 'resync', reason: `missed deltas ${this.seq + 1}..${m.seq - 1}` };
        applyDelta(this.snap, m.ops);
        this.seq = m.seq;
        this.awaitingFirst = false;
        return { kind: 'delta', ops: m.ops };
      }
      case 'heartbeat':
        // The heartbeat carries the hub's current seq: ahead of ours means we lost a delta.
        if (this.seq !== undefined && m.seq > this.seq) {
          return { kind: 'resync', reason: `heartbeat at seq ${m.seq} but last applied was ${this.seq}` };
        }
        // A resume with nothing to replay is confirmed by the first heartbeat at our seq.
        if (this.snap && this.seq === m.seq) this.awaitingFirst = false;
        return { kind: 'none' };
      case 'notice':
        return { kind: 'notice', message: `${m.code}: ${m.message}` };
      case 'error':
        return { kind: 'error', fatal: m.code === 'unsupported-version' || m.code === 'unauthorized', message: `hub error ${m.code}: ${m.message}` };
    }
  }

  /** Whether the view is live: a snapshot arrived on this connection or a resume succeeded. */
  live(): boolean {
    return this.snap !== undefined && !this.awaitingFirst;
  }
}

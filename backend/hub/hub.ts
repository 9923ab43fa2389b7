// The stream core: cluster changes go into the state, their ops into the journal, and the journal
// entry out to every live session. No network and no Kubernetes here: the server and the
// informers plug into it, and the benchmark drives it directly.

import { randomUUID } from 'node:crypto';
import type { CoreV1Event, V1DaemonSet, V1Lease, V1Node } from '@kubernetes/client-node';
import type { DeltaOp } from '../../protocol/messages.ts';
import { toShed } from './flow.ts';
import { Journal, type JournalLimits, type ResumePlan } from './journal.ts';
import type { HubMetrics } from './metrics.ts';
import type { Session, SessionHost } from './session.ts';
import { HubState } from './state.ts';

export class Hub implements SessionHost {
  readonly streamId: string;
  readonly hubName: string;
  readonly heartbeatMs: number;
  readonly state: HubState;
  readonly journal: Journal;
  readonly sessions = new Set<Session>();
  private readonly metrics: HubMetrics;
  private readonly now: () => number;
  private snap: { seq: number; frame: string } | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** Bytes waiting in all sessions' send buffers together before the slowest is cut off. */
  maxBuffered = Infinity;
  /** Called after a delta was written to every live session (benchmark, tests). */
  onPublished: ((seq: number) => void) | undefined;

  constructor(opts: { hubName: string; heartbeatMs: number; metrics: HubMetrics; now?: () => number; journal?: JournalLimits; streamId?: string }) {
    this.now = opts.now ?? Date.now;
    this.streamId = opts.streamId ?? randomUUID();
    this.hubName = opts.hubName;
    this.heartbeatMs = opts.heartbeatMs;
    this.metrics = opts.metrics;
    this.state = new HubState(this.now);
    this.journal = new Journal(this.streamId, opts.journal);
  }

  // ---- cluster changes (informer callbacks) ----
  node(n: V1Node): void {
    this.metrics.fleet.node(n);
    this.publish(this.state.upsertNode(n));
  }
  nodeGone(n: V1Node): void {
    this.metrics.fleet.gone(n.metadata?.name ?? '');
    this.publish(this.state.removeNode(n.metadata?.name ?? ''));
  }
  lease(l: V1Lease): void {
    this.publish(this.state.upsertLease(l));
  }
  leaseGone(l: V1Lease): void {
    this.publish(this.state.removeLease(l.metadata?.name ?? ''));
  }
  daemonSet(ds: V1DaemonSet | undefined): void {
    this.publish(this.state.setDaemonSet(ds));
  }
  event(e: CoreV1Event): void {
    const ops = this.state.addEvent(e);
    if (ops.length && this.state.isLive) {
      const op = ops[0];
      if (op.op === 'event') this.metrics.eventAge.observe(Math.max(0, this.now() - Date.parse(op.event.time)) / 1000);
    }
    this.publish(ops);
  }

  /** Appends ops to the journal and fans the one serialised frame out to every session. */
  publish(ops: DeltaOp[]): void {
    if (ops.length === 0) return;
    const t0 = performance.now();
    const e = this.journal.append(ops);
    this.snap = undefined;
    const now = this.now();
    for (const s of this.sessions) s.delta(e, now);
    this.metrics.journalSeq.set(e.seq);
    this.metrics.lag.observe((performance.now() - t0) / 1000);
    this.onPublished?.(e.seq);
  }

  // ---- SessionHost ----
  plan(resume: { streamId: string; seq: number } | undefined): ResumePlan {
    return this.journal.plan(resume);
  }

  snapshotFrame(): { seq: number; frame: string } {
    if (!this.snap || this.snap.seq !== this.journal.seq) {
      const seq = this.journal.seq;
      this.snap = { seq, frame: JSON.stringify({ type: 'snapshot', seq, snapshot: this.state.snapshot() }) };
    }
    return this.snap;
  }

  count(kind: 'sent' | 'dropped' | 'coalesced' | 'bad-frame', type?: string): void {
    if (kind === 'sent') this.metrics.framesSent.inc({ type: type ?? 'other' });
    else if (kind === 'dropped') this.metrics.deltasDropped.inc();
    else if (kind === 'coalesced') this.metrics.coalesced.inc();
    else this.metrics.badFrames.inc();
  }

  closed(s: Session, reason: string): void {
    if (this.sessions.delete(s)) {
      this.metrics.clients.set(this.sessions.size);
      this.metrics.disconnects.inc({ reason: reason.replace(/\d+/g, 'N').slice(0, 40) });
    }
  }

  add(s: Session): void {
    this.sessions.add(s);
    this.metrics.clients.set(this.sessions.size);
  }

  /** Heartbeats, liveness pings, and flow ticks that resync or drop slow clients. */
  startTimers(flowTickMs = 250, forecastMs = 1000): void {
    this.timers.push(
      setInterval(() => {
        const now = this.now();
        for (const s of this.sessions) {
          s.heartbeat(this.journal.seq, now);
          s.ping();
        }
      }, this.heartbeatMs),
      // The forecast depends on the time and on every node's history: refreshed here, not per change.
      setInterval(() => this.publish(this.state.refreshForecast()), forecastMs),
      setInterval(() => {
        const now = this.now();
        for (const s of this.sessions) if (s.flow.behind) s.tick(now);
        for (const s of toShed(this.sessions, this.maxBuffered)) {
          this.metrics.shed.inc();
          s.shed();
        }
      }, flowTickMs),
    );
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}

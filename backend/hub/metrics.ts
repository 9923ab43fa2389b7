// Prometheus metrics of the hub (prom-client), in a registry of its own so two hubs in one
// process (tests) do not collide.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FleetMetrics } from './fleet-metrics.ts';
import { buildInfo, buildInfoGauge } from '../shared/build-info.ts';

export class HubMetrics {
  readonly registry = new Registry();
  readonly clients: Gauge;
  readonly framesSent: Counter;
  readonly deltasDropped: Counter;
  readonly coalesced: Counter;
  readonly disconnects: Counter;
  readonly badFrames: Counter;
  readonly authDenied: Counter;
  readonly shed: Counter;
  readonly revoked: Counter;
  readonly journalSeq: Gauge;
  /** Time from the cluster change reaching the hub (informer callback) to the frame being written. */
  readonly lag: Histogram;
  /** Age of a Node Event when the hub sees it: the writer's clock to the hub's (end-to-end lag). */
  readonly eventAge: Histogram;
  readonly watchesHealthy: Gauge;
  /** Nodes per phase, reboot outcomes and stage durations (fleet-metrics.ts). */
  readonly fleet: FleetMetrics;

  constructor(defaults = false) {
    const registers = [this.registry];
    buildInfoGauge(registers, 'hub', buildInfo);
    this.clients = new Gauge({ name: 'nodemend_hub_clients', help: 'Connected stream clients', registers });
    this.framesSent = new Counter({ name: 'nodemend_hub_frames_sent_total', help: 'Frames written to clients', labelNames: ['type'], registers });
    this.deltasDropped = new Counter({ name: 'nodemend_hub_deltas_dropped_total', help: 'Deltas not sent to a slow client (replaced by a snapshot)', registers });
    this.coalesced = new Counter({ name: 'nodemend_hub_coalesced_total', help: 'Resync snapshots sent to clients that fell behind', registers });
    this.disconnects = new Counter({ name: 'nodemend_hub_disconnects_total', help: 'Connections closed by the hub', labelNames: ['reason'], registers });
    this.badFrames = new Counter({ name: 'nodemend_hub_bad_frames_total', help: 'Invalid frames received', registers });
    this.authDenied = new Counter({ name: 'nodemend_hub_auth_denied_total', help: 'Connections refused by authentication or authorization', labelNames: ['status'], registers });
    this.shed = new Counter({ name: 'nodemend_hub_shed_total', help: 'Clients cut off because all send buffers together exceeded --max-buffered', registers });
    this.revoked = new Counter({ name: 'nodemend_hub_sessions_revoked_total', help: 'Open sessions closed because a re-check found their access gone', registers });
    this.journalSeq = new Gauge({ name: 'nodemend_hub_stream_seq', help: 'Sequence number of the newest delta', registers });
    this.lag = new Histogram({
      name: 'nodemend_hub_delivery_lag_seconds',
      help: 'From a cluster change reaching the hub to its delta being written to all live clients',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.eventAge = new Histogram({
      name: 'nodemend_hub_event_age_seconds',
      help: 'Age of a Node Event when it reaches the hub (time written by the agent to receipt; includes clock skew)',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.watchesHealthy = new Gauge({ name: 'nodemend_hub_watches_healthy', help: '1 while every watch on the API server works, 0 while one retries', registers });
    this.fleet = new FleetMetrics(this.registry);
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'nodemend_hub_' });
  }
}

// The agent's Prometheus metrics, in a registry of its own (many simulated agents share one
// process in tests and the demo). kured_reboot_required keeps Kured's dashboards and alerts
// working; nodemend_* say more: lock held, blocked and why, drain time, reboot outcomes, API errors.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RebootOutcome } from '../../../protocol/model.ts';
import { buildInfo, buildInfoGauge, type BuildInfo } from '../../shared/build-info.ts';

/** Blocker kinds used as the `reason` label: a fixed, small set (never free text). */
export const BLOCK_REASONS = ['manual', 'cluster-manual', 'alerts', 'pods', 'pdb', 'window', 'sentinel-unknown', 'condition-storm', 'other'] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly node: string;
  private readonly rebootRequired: Gauge;
  private readonly nmRebootRequired: Gauge;
  private readonly lockHeld: Gauge;
  private readonly blocked: Gauge;
  private readonly drainSeconds: Histogram;
  private readonly reboots: Counter;
  private readonly apiErrors: Counter;

  constructor(node: string, opts: { defaults?: boolean; build?: BuildInfo } = {}) {
    this.node = node;
    const registers = [this.registry];
    buildInfoGauge(registers, 'agent', opts.build ?? buildInfo);
    this.rebootRequired = new Gauge({ name: 'kured_reboot_required', help: 'OS requires reboot due to software updates.', labelNames: ['node'], registers });
    this.nmRebootRequired = new Gauge({ name: 'nodemend_reboot_required', help: '1 while the sentinel says this node needs a reboot', labelNames: ['node'], registers });
    this.lockHeld = new Gauge({ name: 'nodemend_lock_held', help: '1 while this node holds a reboot lock slot', labelNames: ['node'], registers });
    this.blocked = new Gauge({ name: 'nodemend_blocked', help: '1 while the reboot is blocked for this reason', labelNames: ['node', 'reason'], registers });
    this.drainSeconds = new Histogram({
      name: 'nodemend_drain_duration_seconds',
      help: 'Time from the start of a drain to its end',
      labelNames: ['node', 'result'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.reboots = new Counter({ name: 'nodemend_reboots_total', help: 'Reboot attempts by outcome', labelNames: ['node', 'outcome'], registers });
    this.apiErrors = new Counter({ name: 'nodemend_api_errors_total', help: 'Kubernetes API calls that failed, by operation', labelNames: ['node', 'op'], registers });
    for (const r of BLOCK_REASONS) this.blocked.set({ node, reason: r }, 0);
    this.rebootRequired.set({ node }, 0);
    this.nmRebootRequired.set({ node }, 0);
    this.lockHeld.set({ node }, 0);
    if (opts.defaults) collectDefaultMetrics({ register: this.registry, prefix: 'nodemend_agent_' });
  }

  setRebootRequired(required: boolean): void {
    this.rebootRequired.set({ node: this.node }, required ? 1 : 0);
    this.nmRebootRequired.set({ node: this.node }, required ? 1 : 0);
  }

  setLockHeld(held: boolean): void {
    this.lockHeld.set({ node: this.node }, held ? 1 : 0);
  }

  /** The reasons blocking now; every other reason goes to 0. */
  setBlocked(reasons: readonly BlockReason[]): void {
    for (const r of BLOCK_REASONS) this.blocked.set({ node: this.node, reason: r }, reasons.includes(r) ? 1 : 0);
  }

  observeDrain(seconds: number, ok: boolean): void {
    this.drainSeconds.observe({ node: this.node, result: ok ? 'ok' : 'failed' }, seconds);
  }

  reboot(outcome: RebootOutcome): void {
    this.reboots.inc({ node: this.node, outcome });
  }

  apiError(op: string): void {
    this.apiErrors.inc({ node: this.node, op });
  }
}

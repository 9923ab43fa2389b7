// Fleet-wide reboot metrics, exported by the hub: it is the one long-lived process that sees every
// node. An agent's own series stop when its node goes down and start again with its next pod, so
// a reboot's durations and outcome, written by the agent into nodemend.dev/history after the
// reboot, are best counted here. Every label value is from a fixed set (never free text).
//   nodemend_hub_nodes{phase}                   nodes per published phase ("none": no agent state)
//   nodemend_hub_reboots_total{outcome}         reboots that ended, from the nodes' histories
//   nodemend_hub_reboot_stage_seconds{stage}    drain, reboot, verify and total (the lock held)

import type { V1Node } from '@kubernetes/client-node';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { A, parseHistory, parseState } from '../../protocol/annotations.ts';
import { PHASES, type RebootRecord } from '../../protocol/model.ts';

export const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'other'] as const;
export const STAGES = ['drain', 'reboot', 'verify', 'total'] as const;

export class FleetMetrics {
  private readonly phases = new Map<string, string>();
  /** Per node, the end of the newest history record counted: each record is counted once. */
  private readonly counted = new Map<string, number>();
  private readonly reboots: Counter;
  private readonly stageSeconds: Histogram;
  private readonly since: number;

  /** Records that ended before `since` (the hub's start) are not counted: an earlier hub did. */
  constructor(registry: Registry, since: number = Date.now()) {
    this.since = since;
    const registers = [registry];
    const phases = this.phases;
    new Gauge({
      name: 'nodemend_hub_nodes',
      help: 'Nodes in each reboot phase, as their agents publish it ("none": no agent state)',
      labelNames: ['phase'],
      registers,
      collect() {
        const n = new Map<string, number>([...PHASES, 'none'].map((p) => [p, 0]));
        for (const p of phases.values()) n.set(p, (n.get(p) ?? 0) + 1);
        for (const [phase, count] of n) this.set({ phase }, count);
      },
    });
    this.reboots = new Counter({ name: 'nodemend_hub_reboots_total', help: 'Reboots that ended, by outcome, from the nodes\' reboot histories', labelNames: ['outcome'], registers });
    this.stageSeconds = new Histogram({
      name: 'nodemend_hub_reboot_stage_seconds',
      help: 'Duration of each stage of the reboots that ended (total: lock taken to lock released)',
      labelNames: ['stage'],
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    });
    for (const outcome of OUTCOMES) this.reboots.inc({ outcome }, 0);
  }

  node(n: V1Node): void {
    const name = n.metadata?.name;
    if (!name) return;
    const ann = n.metadata?.annotations ?? {};
    const phase = parseState(ann[A.state])?.phase;
    this.phases.set(name, phase && (PHASES as readonly string[]).includes(phase) ? phase : 'none');
    const after = this.counted.get(name) ?? this.since;
    let newest = after;
    for (const r of parseHistory(ann[A.history])) {
      const end = Date.parse(r.end);
      if (!(end > after)) continue;
      this.record(r, end);
      newest = Math.max(newest, end);
    }
    this.counted.set(name, newest);
  }

  /** A deleted node leaves the phase count; its counted records stay counted if it comes back. */
  gone(name: string): void {
    this.phases.delete(name);
  }

  private record(r: RebootRecord, end: number): void {
    this.reboots.inc({ outcome: (OUTCOMES as readonly string[]).includes(r.outcome) ? r.outcome : 'other' });
    const ms: Record<(typeof STAGES)[number], number | undefined> = { drain: r.drainMs, reboot: r.rebootMs, verify: r.verifyMs, total: end - Date.parse(r.start) };
    for (const stage of STAGES) {
      const v = ms[stage];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) this.stageSeconds.observe({ stage }, v / 1000);
    }
  }
}

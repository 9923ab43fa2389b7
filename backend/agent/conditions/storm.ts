// Storm protection for condition reboots: a blocker that holds a reboot asked for by a node
// condition (never one asked for by the sentinel or a person's request) while
//   - more than --condition-max-share of the nodes show a --reboot-on-condition condition at once
//     (as node-healthcheck's minHealthy: a condition on many nodes is the cluster's problem, or
//     node-problem-detector's, and rebooting them all makes it worse), or
//   - --condition-reboots-per-hour condition reboots were issued in the last hour, cluster-wide.
// Both are read from one Node list taken when a node wants a condition reboot (the blockers run
// once per period while it waits, and again before the reboot): only such nodes pay for it. The
// rate comes from the nodes' own nodemend.dev/condition-reboots records, written just before each
// condition reboot, so no extra object or writer is needed and a deleted Node takes its count
// along. With --concurrency above 1, nodes that pass the check together may exceed the rate by
// at most concurrency - 1. A person lifts the hold for one node with nodemend.dev/force-reboot
// (blockers do not apply to it); the rate lifts it by itself as the hour passes.

import type * as k8s from '@kubernetes/client-node';
import { A } from '../../../protocol/annotations.ts';
import { parseConditionReboots } from '../../../protocol/conditions.ts';
import type { ConditionConfig } from '../config/config.ts';
import type { Blocker } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import { ruleKey, type ConditionRule } from './rules.ts';

const HOUR = 3_600_000;
type Verdict = { blocked: false } | { blocked: true; reason: string };
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The storm verdict from a Node list (pure). */
export function stormCheck(nodes: readonly k8s.V1Node[], cfg: Pick<ConditionConfig, 'rules' | 'perHour' | 'maxShare'>, now: number): Verdict {
  const shows = (n: k8s.V1Node, r: ConditionRule) => (n.status?.conditions ?? []).some((c) => c.type === r.type && c.status === r.status);
  const showing = nodes.filter((n) => cfg.rules.some((r) => shows(n, r)));
  if (nodes.length > 0 && showing.length / nodes.length > cfg.maxShare) {
    const which = cfg.rules.filter((r) => showing.some((n) => shows(n, r))).map(ruleKey).join(', ');
    const pct = Math.round((100 * showing.length) / nodes.length);
    return { blocked: true, reason: `condition storm: ${showing.length} of ${nodes.length} nodes (${pct}%) show ${which}, more than --condition-max-share=${Math.round(cfg.maxShare * 100)}%; condition reboots wait until fewer do (nodemend.dev/force-reboot reboots one node anyway)` };
  }
  const recent = nodes
    .flatMap((n) => parseConditionReboots(n.metadata?.annotations?.[A.conditionReboots]))
    .map((r) => Date.parse(r.at))
    .filter((t) => t > now - HOUR && t <= now + HOUR)
    .sort((a, b) => a - b);
  if (recent.length >= cfg.perHour) {
    // The hold lifts when enough of them are older than an hour.
    const at = recent[recent.length - cfg.perHour] + HOUR;
    return { blocked: true, reason: `condition reboot rate: ${recent.length} in the last hour, --condition-reboots-per-hour=${cfg.perHour}; the next may start at ${iso(at)}` };
  }
  return { blocked: false };
}

export class ConditionStormBlocker implements Blocker {
  readonly name = 'condition-storm';
  private readonly isCondition: () => boolean;
  private readonly list: () => Promise<k8s.V1Node[]>;
  private readonly cfg: ConditionConfig;
  private readonly now: () => number;

  constructor(o: { isCondition: () => boolean; list: () => Promise<k8s.V1Node[]>; cfg: ConditionConfig; now: () => number }) {
    this.isCondition = o.isCondition;
    this.list = o.list;
    this.cfg = o.cfg;
    this.now = o.now;
  }

  async check(): Promise<Verdict> {
    if (!this.isCondition()) return { blocked: false };
    try {
      return stormCheck(await this.list(), this.cfg, this.now());
    } catch (e) {
      return { blocked: true, reason: `cannot list the Nodes to rule out a condition storm: ${errMsg(e)}` };
    }
  }
}

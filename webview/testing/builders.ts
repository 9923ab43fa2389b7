// Typed builders for tests: each test sets only the fields it cares about. Also a deterministic
// large cluster for the browser test and for measuring render cost. Test-only; never bundled.

import type { ClusterSnapshot, NodeView } from '../../protocol/messages.ts';
import type { AgentNodeState, Phase, RebootRecord } from '../../protocol/model.ts';

export const T0 = Date.parse('2026-11-24T20:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export function state(phase: Phase, over: Partial<AgentNodeState> = {}): AgentNodeState {
  return { v: 1, phase, reason: `${phase} reason`, since: iso(T0 - 60_000), rebootRequired: phase !== 'healthy', agent: 'agent-x', ...over };
}

export function node(name: string, over: Partial<NodeView> = {}): NodeView {
  return { name, ready: true, unschedulable: false, cordonedByUs: false, requests: {}, requestErrors: [], history: [], ...over };
}

export function record(startMs: number, over: Partial<RebootRecord> = {}): RebootRecord {
  const drainMs = over.drainMs ?? 120_000;
  const rebootMs = over.rebootMs ?? 90_000;
  const verifyMs = over.verifyMs ?? 30_000;
  return { start: iso(startMs), end: iso(startMs + drainMs + rebootMs + verifyMs), outcome: 'succeeded', drainMs, rebootMs, verifyMs, ...over };
}

export function snapshot(over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    nodes: [],
    locks: { slots: [], waiting: [] },
    forecast: { pending: 0, enoughData: false, basis: 'no reboots measured yet' },
    events: [],
    backendInstalled: true,
    ...over,
  };
}

/**
 * A rollout in progress on `count` nodes over three zones: two lock slots held (one draining and
 * blocked by a PDB, one rebooting), a queue of waiting nodes, some outside the window, blocked,
 * failed, and the rest healthy with a reboot history. Same input, same output.
 */
export function bigCluster(count: number, now = T0): ClusterSnapshot {
  const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
  const nodes: NodeView[] = [];
  for (let i = 0; i < count; i++) {
    const name = `node-${String(i).padStart(4, '0')}`;
    const n = node(name, { zone: zones[i % 3], pool: i % 5 === 0 ? 'gpu' : 'general' });
    let phase: Phase = 'healthy';
    if (i === 0) phase = 'draining';
    else if (i === 1) phase = 'rebooting';
    else if (i < 12) phase = 'waiting-lock';
    else if (i < 20) phase = 'waiting-window';
    else if (i < 23) phase = 'blocked';
    else if (i === 23) phase = 'failed';
    else if (i < 40) phase = 'reboot-required';
    n.state = state(phase, { since: iso(now - (i + 1) * 60_000), reason: reasonFor(phase, i) });
    if (phase === 'draining') {
      n.unschedulable = n.cordonedByUs = true;
      n.state.lock = 'nodemend-0';
      n.state.drain = { total: 40, left: 12, startedAt: iso(now - 300_000), blocked: [{ pod: 'web-7', pdb: 'web-pdb', reason: 'PDB allows 0 disruptions' }] };
    }
    if (phase === 'rebooting') n.ready = false;
    if (phase === 'blocked') n.requests.block = { reason: 'db migration' };
    if (phase === 'waiting-lock') {
      n.requests.rebootAfter = iso(now - 3_600_000);
      n.queuePosition = i - 1;
    }
    if (i >= 40 && i < 100) n.history = [record(now - (100 - i) * 400_000, { drainMs: 60_000 + (i % 7) * 20_000, outcome: i % 17 === 0 ? 'failed' : 'succeeded' })];
    nodes.push(n);
  }
  return snapshot({
    nodes,
    locks: {
      slots: [
        { name: 'nodemend-0', scope: 'cluster', holder: nodes[0]?.name, since: iso(now - 320_000) },
        { name: 'nodemend-1', scope: 'cluster', holder: nodes[1]?.name, since: iso(now - 500_000) },
      ],
      waiting: nodes.slice(2, 12).map((n) => n.name),
    },
    forecast: { pending: Math.min(count, 40), enoughData: true, perNodeMs: 240_000, finishAt: iso(now + 80 * 60_000), fitsWindow: true, basis: 'median of 58 reboots' },
    events: [
      { time: iso(now - 120_000), node: 'node-0000', type: 'Warning', reason: 'EvictionBlocked', message: 'pod web-7: PDB web-pdb allows 0 disruptions' },
      { time: iso(now - 60_000), node: 'node-0001', type: 'Normal', reason: 'Rebooting', message: 'reboot command sent' },
    ],
  });
}

function reasonFor(p: Phase, i: number): string {
  switch (p) {
    case 'waiting-lock':
      return `lock held by node-0000, node-0001 (position ${i - 1})`;
    case 'waiting-window':
      return 'outside window (next opens 2026-11-25T02:00:00Z)';
    case 'blocked':
      return 'blocked: db migration';
    case 'failed':
      return 'node did not come back within 10m';
    default:
      return p === 'healthy' ? 'up to date' : 'reboot required (sentinel present)';
  }
}

// Typed test builders: each test states only the fields it cares about. Used by the unit tests of
// state/, tree/, status/ and commands/; never imported by the extension itself.

import type { AgentNodeState, Phase } from '../../protocol/model.ts';
import type { ClusterSnapshot, NodeView } from '../../protocol/messages.ts';

export function state(phase: Phase, over: Partial<AgentNodeState> = {}): AgentNodeState {
  return {
    v: 1,
    phase,
    reason: over.reason ?? phase,
    since: '2026-11-24T20:00:00Z',
    rebootRequired: phase !== 'healthy' && phase !== 'unknown',
    agent: 'sim',
    ...over,
  };
}

export function node(name: string, over: Partial<NodeView> & { phase?: Phase } = {}): NodeView {
  const { phase, ...rest } = over;
  const n: NodeView = { name, ready: true, unschedulable: false, cordonedByUs: false, requests: {}, requestErrors: [], history: [], ...rest };
  if (phase) n.state = state(phase, over.state);
  return n;
}

export function snapshot(nodes: NodeView[], over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    nodes,
    locks: { slots: [], waiting: [] },
    forecast: { pending: 0, enoughData: false, basis: 'no reboots measured yet' },
    events: [],
    backendInstalled: true,
    ...over,
  };
}
